using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using StackExchange.Redis;
using Workflows.Harness;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Hosting;
using Workflows.Service.Options;
using Workflows.Service.Secrets;
using Workflows.Service.Storage.Mongo;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Secrets;

/// <summary>
/// Rotation drills: a secret file rewritten while the service runs (as the host's refresher does after Secrets
/// Manager rotates the secret) is used without a restart, against a real redis-server that changes its password
/// and drops every connection.
/// </summary>
public sealed class SecretRotationTests : IAsyncLifetime
{
    private RedisServerProcess _redis = null!;
    private readonly TempDirectory _dir = new();

    public async ValueTask InitializeAsync() => _redis = await RedisServerProcess.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        _dir.Dispose();
    }

    private string WriteSecret(string name, string value)
    {
        var path = Path.Combine(_dir.Path, name);
        var temp = path + ".tmp";
        File.WriteAllText(temp, value + "\n");
        File.Move(temp, path, overwrite: true); // as the refresher writes: whole files, by rename
        return path;
    }

    /// <summary>The server switches to <paramref name="password"/> and drops every client but the admin's, as a
    /// failover or the end of ElastiCache's ROTATE window would; clients must reconnect with what they now hold.</summary>
    private async Task RotateServerPasswordAsync(string password)
    {
        var admin = _redis.Admin.GetServers()[0];
        await admin.ExecuteAsync("CONFIG", "SET", "requirepass", password);
        await admin.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    }

    private static async Task<bool> AnswersWithinAsync(Func<Task> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try { await probe(); return true; }
            catch (Exception e) when (e is RedisException or TimeoutException) { await Task.Delay(100); }
        }
        return false;
    }

    [Fact]
    public async Task A_rotated_redis_password_is_used_for_reconnects_without_a_restart()
    {
        var file = WriteSecret("redis-password", "first-token");
        await RotateServerPasswordAsync("first-token");
        var followed = RedisConnection.Configure(new RedisOptions { ConnectionString = _redis.ConnectionString, PasswordFile = file }, "Redis", out var secret);
        var frozen = RedisConnection.Configure(new RedisOptions { ConnectionString = _redis.ConnectionString, PasswordFile = file }); // read once, not followed
        frozen.ReconnectRetryPolicy = followed.ReconnectRetryPolicy = new LinearRetry(200);
        await using var client = await ConnectionMultiplexer.ConnectAsync(followed);
        await using var control = await ConnectionMultiplexer.ConnectAsync(frozen);
        await client.GetDatabase().PingAsync();
        await control.GetDatabase().PingAsync();

        WriteSecret("redis-password", "second-token");
        var watcher = new SecretFileWatcher([secret!], Options.Create(new SecretsOptions()), NullLogger<SecretFileWatcher>.Instance);
        watcher.RefreshAll();
        await RotateServerPasswordAsync("second-token");

        Assert.True(await AnswersWithinAsync(() => client.GetDatabase().StringSetAsync("after-rotation", "ok"), TimeSpan.FromSeconds(10)),
            "the client that follows the file did not reconnect with the new password");
        Assert.Equal("ok", (string?)await client.GetDatabase().StringGetAsync("after-rotation"));
        Assert.False(await AnswersWithinAsync(() => control.GetDatabase().PingAsync(), TimeSpan.FromSeconds(2)),
            "the control client kept working with the old password: the drill did not force a re-authentication");
    }

    [Fact]
    public async Task The_service_keeps_executing_and_accepts_the_previous_api_key_across_rotations()
    {
        var redisPassword = WriteSecret("redis-password", "token-1");
        await RotateServerPasswordAsync("token-1");
        var keys = WriteSecret("api-keys", "key-1");
        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = _redis.ConnectionString,
            ["Redis:PasswordFile"] = redisPassword,
            ["Auth:ApiKeys:2:Name"] = "platform",
            ["Auth:ApiKeys:2:File"] = keys,
            ["Auth:ApiKeys:2:Scopes:0"] = "read",
            ["Auth:ApiKeys:2:Scopes:1"] = "write",
        });
        var watcher = factory.Services.GetRequiredService<SecretFileWatcher>();
        var workflow = await CreateWorkflowAsync(factory.Client(), DoublingWorkflow);
        async Task<HttpStatusCode> ListWith(string key) => (await factory.Client(key).GetAsync("/api/workflows")).StatusCode;
        async Task RunsAsync(string key)
        {
            var client = factory.Client(key);
            var accepted = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 2}}"""));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var id = (await accepted.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["executionId"]!.GetValue<string>();
            Assert.Equal(Workflows.Core.Domain.ExecutionStatus.Succeeded, (await WaitForTerminalAsync(client, id)).Status);
        }

        await RunsAsync("key-1");

        // Rotation 1: the refresher writes the new current key and the previous one; the Redis token changes too.
        WriteSecret("api-keys", "key-2\nkey-1");
        WriteSecret("redis-password", "token-2");
        watcher.RefreshAll();
        await RotateServerPasswordAsync("token-2");
        Assert.Equal(HttpStatusCode.OK, await ListWith("key-2"));
        Assert.Equal(HttpStatusCode.OK, await ListWith("key-1")); // clients that have not switched yet
        await RunsAsync("key-2"); // the API and the worker reconnected to Redis with token-2

        // Rotation 2: key-1 is two rotations old and is refused.
        WriteSecret("api-keys", "key-3\nkey-2");
        watcher.RefreshAll();
        Assert.Equal(HttpStatusCode.OK, await ListWith("key-3"));
        Assert.Equal(HttpStatusCode.OK, await ListWith("key-2"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWith("key-1"));

        // A refresher caught mid-write (empty file) logs nobody out: the last good set stays.
        File.WriteAllText(keys, "");
        watcher.RefreshAll();
        Assert.Equal(HttpStatusCode.OK, await ListWith("key-3"));
    }

    [Fact]
    public void A_missing_api_key_file_stops_start_up_naming_the_setting()
    {
        using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:2:Name"] = "platform",
            ["Auth:ApiKeys:2:File"] = "/nope/api-keys",
            ["Auth:ApiKeys:2:Scopes:0"] = "read",
        });
        var e = Assert.ThrowsAny<Exception>(() => factory.Client());
        Assert.Contains("Auth:ApiKeys:2:File '/nope/api-keys' does not exist", e.ToString());
    }

    [Fact]
    public void An_entry_with_both_a_hash_and_a_file_is_refused()
    {
        var keys = WriteSecret("api-keys", "k");
        using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:2:Name"] = "platform",
            ["Auth:ApiKeys:2:File"] = keys,
            ["Auth:ApiKeys:2:Sha256"] = Hash("k"),
            ["Auth:ApiKeys:2:Scopes:0"] = "read",
        });
        var e = Assert.ThrowsAny<Exception>(() => factory.Client());
        Assert.Contains("exactly one of Sha256 and File", e.ToString());
    }

    /// <summary>No MongoDB runs here; a client does not connect until used, so the swap itself is checked here and
    /// the tagged contract tests check a rotated client against a real server in CI.</summary>
    [Fact]
    public void A_changed_documentdb_credentials_file_builds_a_new_client_and_a_malformed_one_keeps_the_old()
    {
        var file = WriteSecret("documentdb.json", """{"username": "workflows", "password": "first"}""");
        using var connection = new MongoConnection(new MongoOptions { ConnectionString = "mongodb://db.example:27117/?replicaSet=rs0", CredentialsFile = file });
        var first = connection.Client;
        IMongoClient? announced = null;
        connection.ClientReplaced += c => announced = c;
        Assert.Equal(SecretFileReading.Unchanged, connection.Credentials!.Refresh());

        WriteSecret("documentdb.json", """{"username": "workflows", "password": "second"}""");
        Assert.Equal(SecretFileReading.Changed, connection.Credentials.Refresh());
        Assert.NotSame(first, connection.Client);
        Assert.Same(connection.Client, announced);
        Assert.Equal("workflows", connection.Client.Settings.Credential.Username);
        Assert.NotEqual(first.Settings.Credential, connection.Client.Settings.Credential);

        var second = connection.Client;
        WriteSecret("documentdb.json", """{"username": "workflows"}""");
        connection.Credentials.Refresh();
        Assert.Same(second, connection.Client);
    }
}
