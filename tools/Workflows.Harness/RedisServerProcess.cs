using System.Diagnostics;
using StackExchange.Redis;

namespace Workflows.Harness;

/// <summary>How a <see cref="RedisServerProcess"/> keeps its data.</summary>
public enum RedisPersistence
{
    /// <summary>Memory only: a restart comes back empty (what an ElastiCache node replacement looks like).</summary>
    None,
    /// <summary>Append-only file, fsync every second: a restart replays it.</summary>
    AppendOnly,
}

/// <summary>
/// A real <c>redis-server</c> on a loopback port, in a folder of its own. It can be stopped (SIGKILL, as a node dies)
/// and started again on the same port, with or without its data.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private RedisServerProcess(int port, string directory, RedisPersistence persistence, string maxMemoryPolicy)
    {
        Port = port;
        Directory = directory;
        Persistence = persistence;
        MaxMemoryPolicy = maxMemoryPolicy;
    }

    public int Port { get; }
    public string Directory { get; }
    public RedisPersistence Persistence { get; }
    public string MaxMemoryPolicy { get; }
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>An admin connection (allowAdmin) for the harness's own checks.</summary>
    public IConnectionMultiplexer Admin => _admin ?? throw new InvalidOperationException("Redis is not started.");

    public static string Binary() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server is not installed: apt-get install redis-server (./test.sh does).");

    public static async Task<RedisServerProcess> StartAsync(RedisPersistence persistence = RedisPersistence.None, int? port = null,
        string? directory = null, string maxMemoryPolicy = "noeviction")
    {
        var chosen = port ?? FreePort.Next();
        if (port is not null && FreePort.IsTaken(chosen))
            throw new InvalidOperationException($"Port {chosen} is taken: another process listens on 127.0.0.1:{chosen}.");
        var dir = directory ?? System.IO.Directory.CreateTempSubdirectory("redis-").FullName;
        System.IO.Directory.CreateDirectory(dir);
        var redis = new RedisServerProcess(chosen, dir, persistence, maxMemoryPolicy);
        await redis.StartProcessAsync();
        return redis;
    }

    private async Task StartProcessAsync()
    {
        var args = new List<string>
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--save", "", "--daemonize", "no",
            "--loglevel", "warning", "--maxmemory-policy", MaxMemoryPolicy,
            "--appendonly", Persistence == RedisPersistence.AppendOnly ? "yes" : "no", "--appendfsync", "everysec",
        };
        var info = new ProcessStartInfo(Binary(), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                _admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500,allowAdmin=true");
                await _admin.GetDatabase().PingAsync();
                return;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                if (_admin is not null) await _admin.DisposeAsync();
                _admin = null;
                await Task.Delay(100);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown save, connections reset, as when the node dies.</summary>
    public async Task KillAsync()
    {
        if (_admin is not null) { await _admin.DisposeAsync(); _admin = null; }
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts again on the same port. Without <paramref name="keepData"/> the folder is emptied first (a replaced node).</summary>
    public async Task StartAgainAsync(bool keepData)
    {
        if (IsRunning) throw new InvalidOperationException("Redis is running; kill it first.");
        if (!keepData)
            foreach (var entry in new DirectoryInfo(Directory).EnumerateFileSystemInfos())
                if (entry is DirectoryInfo d) d.Delete(recursive: true); else entry.Delete();
        await StartProcessAsync();
    }

    public async Task FlushAsync() => await Admin.GetServers()[0].FlushAllDatabasesAsync();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
