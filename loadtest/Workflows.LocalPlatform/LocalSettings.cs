using System.Net;
using System.Net.Sockets;

namespace Workflows.LocalPlatform;

/// <summary>What the local platform runs and where: counts, loopback ports, the state folder, the store.</summary>
public sealed record LocalSettings
{
    public required string StateDirectory { get; init; }
    public required string ServiceDll { get; init; }
    public required string ApiKeySha256 { get; init; }
    public int Apis { get; init; } = 3;
    public int Workers { get; init; } = 2;
    /// <summary>With autoscaling: workers start at <see cref="Workers"/> and move between it and this.</summary>
    public int MaxWorkers { get; init; } = 6;
    public bool Autoscale { get; init; }
    public int NginxPort { get; init; } = 8088;
    public int ApiBasePort { get; init; } = 5101;
    public int WorkerBasePort { get; init; } = 5201;
    public int QueueRedisPort { get; init; } = 6390;
    public int CacheRedisPort { get; init; } = 6391;
    public int SignalsPort { get; init; } = 25888;
    /// <summary>sqlite (one file in the state folder, shared by every process) or mongodb.</summary>
    public string Store { get; init; } = "sqlite";
    public string? MongoUri { get; init; }
    /// <summary>The cloud assembly whose dev worker HPA the autoscaler runs (cdk.out).</summary>
    public string PolicyAssembly { get; init; } = "cdk.out";

    public string LogDirectory => Path.Combine(StateDirectory, "logs");
    public string DataDirectory => Path.Combine(StateDirectory, "data");

    /// <summary>Reads <c>--key value</c> arguments and LOCAL_* environment variables (arguments win).</summary>
    public static LocalSettings From(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Select(e => ((string)e.Key, (string?)e.Value ?? ""))
                     .Where(e => e.Item1.StartsWith("LOCAL_", StringComparison.Ordinal)))
            values[key["LOCAL_".Length..].Replace("_", "").ToLowerInvariant()] = value;
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i].StartsWith("--", StringComparison.Ordinal)) values[args[i][2..].Replace("-", "").ToLowerInvariant()] = args[++i];

        string Required(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v
            : throw new ArgumentException($"missing setting '{key}' (LOCAL_{key.ToUpperInvariant()} or --{key})");
        int Int(string key, int fallback) => values.TryGetValue(key, out var v)
            ? int.TryParse(v, out var i) && i > 0 ? i : throw new ArgumentException($"{key}={v}: not a positive whole number")
            : fallback;

        var defaults = new LocalSettings { StateDirectory = "", ServiceDll = "", ApiKeySha256 = "" };
        var settings = new LocalSettings
        {
            StateDirectory = Path.GetFullPath(Required("statedir")),
            ServiceDll = Path.GetFullPath(Required("servicedll")),
            ApiKeySha256 = Required("apikeysha256"),
            Apis = Int("apis", defaults.Apis),
            Workers = Int("workers", defaults.Workers),
            MaxWorkers = Int("maxworkers", defaults.MaxWorkers),
            Autoscale = values.TryGetValue("autoscale", out var a) && a is "1" or "true",
            NginxPort = Int("nginxport", defaults.NginxPort),
            ApiBasePort = Int("apibaseport", defaults.ApiBasePort),
            WorkerBasePort = Int("workerbaseport", defaults.WorkerBasePort),
            QueueRedisPort = Int("queueredisport", defaults.QueueRedisPort),
            CacheRedisPort = Int("cacheredisport", defaults.CacheRedisPort),
            SignalsPort = Int("signalsport", defaults.SignalsPort),
            Store = values.GetValueOrDefault("store", "sqlite"),
            MongoUri = values.GetValueOrDefault("mongouri"),
            PolicyAssembly = Path.GetFullPath(values.GetValueOrDefault("policyassembly", "cdk.out")),
        };
        if (settings.Store is not ("sqlite" or "mongodb")) throw new ArgumentException($"store={settings.Store}: sqlite or mongodb");
        if (settings.Store == "mongodb" && string.IsNullOrWhiteSpace(settings.MongoUri)) throw new ArgumentException("store=mongodb needs mongo-uri");
        if (!File.Exists(settings.ServiceDll)) throw new ArgumentException($"service-dll {settings.ServiceDll} does not exist: publish the service first (loadtest/local.sh up does)");
        if (settings.MaxWorkers < settings.Workers) throw new ArgumentException($"max-workers ({settings.MaxWorkers}) is below workers ({settings.Workers})");
        return settings;
    }

    /// <summary>Every loopback port the platform listens on, by what listens.</summary>
    public IEnumerable<(string Name, int Port)> Ports()
    {
        yield return ("nginx", NginxPort);
        for (var i = 0; i < Apis; i++) yield return ($"api-{i + 1}", ApiBasePort + i);
        for (var i = 0; i < (Autoscale ? MaxWorkers : Workers); i++) yield return ($"worker-{i + 1}", WorkerBasePort + i);
        yield return ("redis-queue", QueueRedisPort);
        yield return ("redis-cache", CacheRedisPort);
        yield return ("signals", SignalsPort);
    }

    /// <summary>The first port something else already listens on, if any.</summary>
    public (string Name, int Port)? TakenPort() => Ports().Select(p => ((string, int)?)p).FirstOrDefault(p => IsTaken(p!.Value.Item2));

    private static bool IsTaken(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
