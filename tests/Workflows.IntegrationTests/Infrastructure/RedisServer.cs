using StackExchange.Redis;
using Workflows.Harness;

namespace Workflows.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port (memory only), started for a test class and stopped after it.
/// test.sh installs redis-server; if it is missing the tests fail with that reason rather than pass or skip.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private RedisServerProcess? _redis;

    public RedisServerProcess Process => _redis ?? throw new InvalidOperationException("Redis is not started.");
    public int Port => Process.Port;
    public string ConnectionString => Process.ConnectionString;
    public IConnectionMultiplexer Connection => Process.Admin;

    public async ValueTask InitializeAsync() => _redis = await RedisServerProcess.StartAsync();

    public Task FlushAsync() => Process.FlushAsync();

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }

    public static int FreePort() => Harness.FreePort.Next();
}
