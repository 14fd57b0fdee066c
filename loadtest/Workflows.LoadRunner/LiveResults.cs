using System.Text.Json.Nodes;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>One second of the run as the processor recorded it.</summary>
public sealed record SecondStats(int T, int Users, IReadOnlyDictionary<string, (int Count, int Failed, double[] Latencies)> Requests);

/// <summary>The live statistics file (one JSON line per second, per request name) as series and totals.</summary>
public sealed class LiveResults
{
    public required IReadOnlyList<SecondStats> Seconds { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    /// <summary>Requests that got no HTTP answer at all (connection refused or reset), per name, from artillery's report.</summary>
    public Dictionary<string, long> TransportErrors { get; } = [];

    public static LiveResults Read(string path, LoadProfile profile) =>
        new() { Seconds = ReadTail(path, int.MaxValue), Names = profile.Requests.Select(r => r.Name).ToList() };

    public static List<SecondStats> ReadTail(string path, int count)
    {
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path);
        return lines.Skip(Math.Max(0, lines.Length - count)).Select(Parse).Where(s => s is not null).Select(s => s!).ToList();
    }

    private static SecondStats? Parse(string line)
    {
        try
        {
            var o = JsonNode.Parse(line)!;
            var requests = o["requests"]!.AsObject().ToDictionary(kv => kv.Key, kv => (
                kv.Value!["count"]!.GetValue<int>(), kv.Value["failed"]!.GetValue<int>(),
                kv.Value["latencies"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray()));
            return new SecondStats(o["t"]!.GetValue<int>(), o["users"]!.GetValue<int>(), requests);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            return null; // a line being written
        }
    }

    public readonly record struct WindowStats(double Requests, double PerSecond, double P95, double ErrorRate);

    /// <summary>All requests of the given seconds together.</summary>
    public static WindowStats Window(IReadOnlyList<SecondStats> seconds, string? name = null)
    {
        var selected = seconds.SelectMany(s => s.Requests.Where(r => name is null || r.Key == name).Select(r => r.Value)).ToList();
        var count = selected.Sum(r => r.Count);
        var failed = selected.Sum(r => r.Failed);
        var latencies = selected.SelectMany(r => r.Latencies).ToArray();
        return new WindowStats(count, count / (double)Math.Max(1, seconds.Count), Quantile(latencies, 0.95), count > 0 ? failed / (double)count : 0);
    }

    public static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Adds artillery's per-endpoint transport errors (no HTTP answer), which the processor never sees.</summary>
    public void AddTransportErrors(string reportPath)
    {
        if (!File.Exists(reportPath)) return;
        var counters = JsonNode.Parse(File.ReadAllText(reportPath))?["aggregate"]?["counters"]?.AsObject();
        if (counters is null) return;
        foreach (var (key, value) in counters)
        {
            const string prefix = "plugins.metrics-by-endpoint.";
            var i = key.IndexOf(".errors.", StringComparison.Ordinal);
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || i < 0) continue;
            var name = key[prefix.Length..i];
            TransportErrors[name] = TransportErrors.GetValueOrDefault(name) + value!.GetValue<long>();
        }
    }
}
