using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Workflows.Core.Domain;

namespace Workflows.Harness;

/// <summary>What to run: how many API and worker processes, how Redis keeps data, extra settings per role.</summary>
public sealed record PlatformOptions
{
    public int Apis { get; init; } = 1;
    public int Workers { get; init; } = 2;
    public RedisPersistence Persistence { get; init; } = RedisPersistence.None;
    public Dictionary<string, string> Common { get; init; } = [];
    public Dictionary<string, string> Api { get; init; } = [];
    public Dictionary<string, string> Worker { get; init; } = [];
}

/// <summary>
/// One machine's worth of the platform in queue mode, for drills and benchmarks: a redis-server, API processes and
/// worker processes sharing a SQLite store, with a write key and a read-only key generated for the run, every process
/// logging to its own file.
/// </summary>
public sealed class LocalPlatform : IAsyncDisposable
{
    private readonly PlatformOptions _options;
    private readonly string _root;
    private int _workerCount;

    private LocalPlatform(PlatformOptions options, string root, RedisServerProcess redis)
    {
        _options = options;
        _root = root;
        Redis = redis;
    }

    public RedisServerProcess Redis { get; }
    public List<ServiceProcess> Apis { get; } = [];
    public List<ServiceProcess> Workers { get; } = [];
    public string DataDirectory => Path.Combine(_root, "data");
    public string LogDirectory => Path.Combine(_root, "logs");
    public string WriteKey { get; } = NewKey();
    public string ReadKey { get; } = NewKey();
    public string Api => Apis[0].BaseUrl;

    public static async Task<LocalPlatform> StartAsync(string name, PlatformOptions options)
    {
        var root = Directory.CreateTempSubdirectory("platform-").FullName;
        var redis = await RedisServerProcess.StartAsync(options.Persistence, directory: Path.Combine(root, "redis"));
        var platform = new LocalPlatform(options, root, redis) { Name = name };
        Directory.CreateDirectory(platform.DataDirectory);
        Directory.CreateDirectory(platform.LogDirectory);
        for (var i = 0; i < options.Apis; i++) platform.Apis.Add(await platform.StartRoleAsync("api", $"api-{i + 1}"));
        for (var i = 0; i < options.Workers; i++) await platform.StartWorkerAsync();
        return platform;
    }

    public async Task<ServiceProcess> StartWorkerAsync()
    {
        var worker = await StartRoleAsync("worker", $"worker-{++_workerCount}");
        Workers.Add(worker);
        return worker;
    }

    private Task<ServiceProcess> StartRoleAsync(string role, string name)
    {
        var settings = new Dictionary<string, string>
        {
            ["Workflows:Role"] = role,
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = Redis.ConnectionString,
            ["Storage:DataDirectory"] = DataDirectory,
            ["Auth:ApiKeys:0:Name"] = "local-writer",
            ["Auth:ApiKeys:0:Sha256"] = Hash(WriteKey),
            ["Auth:ApiKeys:0:Scopes:0"] = "read",
            ["Auth:ApiKeys:0:Scopes:1"] = "write",
            ["Auth:ApiKeys:1:Name"] = "local-reader",
            ["Auth:ApiKeys:1:Sha256"] = Hash(ReadKey),
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
            // appsettings.json lives beside the dll, not in this content root: the production log levels, given here.
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (k, v) in _options.Common) settings[k] = v;
        foreach (var (k, v) in role == "api" ? _options.Api : _options.Worker) settings[k] = v;
        return ServiceProcess.StartAsync(settings, _root, logFile: Path.Combine(LogDirectory, name + ".log"));
    }

    public HttpClient Client(string? key, string? baseUrl = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(baseUrl ?? Api),
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task<string> CreateWorkflowAsync(string json)
    {
        using var client = Client(WriteKey);
        var response = await client.PostAsync("/api/workflows", new StringContent(json, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"creating a workflow: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>Every execution in the store, read straight from the SQLite file the processes share.</summary>
    public async Task<Dictionary<string, Execution>> ExecutionsAsync()
    {
        var result = new Dictionary<string, Execution>(StringComparer.Ordinal);
        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "workflows.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT document FROM executions";
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var execution = System.Text.Json.JsonSerializer.Deserialize<Execution>(reader.GetString(0), WorkflowJson.Options)!;
            result[execution.Id] = execution;
        }
        return result;
    }

    /// <summary>Waits until every listed execution is terminal or the timeout passes; returns the last reading.</summary>
    public async Task<(Dictionary<string, Execution> Executions, TimeSpan Took)> WaitForTerminalAsync(IReadOnlyCollection<string> ids, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var all = await ExecutionsAsync();
            if (ids.All(id => all.TryGetValue(id, out var e) && e.Status.IsTerminal()) || started.Elapsed > timeout) return (all, started.Elapsed);
            await Task.Delay(250);
        }
    }

    /// <summary>Every process's log, concatenated.</summary>
    public string LogText() => string.Join('\n', Directory.EnumerateFiles(LogDirectory, "*.log").Select(File.ReadAllText));

    /// <summary>Log lines of every process that show an exception nobody handled (a crash or a 500).</summary>
    public IReadOnlyList<string> UnhandledExceptionLines() =>
        Directory.EnumerateFiles(LogDirectory, "*.log").SelectMany(File.ReadLines)
            .Where(l => l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) || l.Contains("An unhandled exception has occurred", StringComparison.Ordinal))
            .ToList();

    /// <summary>Where each run's process logs are copied when it ends (set from --out); null keeps none.</summary>
    public static string? LogsRoot { get; set; }

    /// <summary>The run these processes belong to, naming its log folder.</summary>
    public string Name { get; init; } = "platform";

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Apis.Concat(Workers)) await p.DisposeAsync();
        if (LogsRoot is not null)
        {
            var target = Path.Combine(LogsRoot, Name + "-logs");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(LogDirectory)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        await Redis.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
