using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>Per-endpoint figures, the thresholds checked, the stress knee; printed as tables and written as JSON and CSV.</summary>
public sealed class Summary
{
    public sealed record Endpoint(string Name, long Requests, long Failed, double P50, double P95, double P99, double PerSecond);
    public sealed record Check(string Name, double Measured, double Threshold, string Unit)
    {
        public bool Met => Measured < Threshold;
    }
    public sealed record Knee(int Users, double RequestsPerSecond, double ExecutionsPerSecond, double P95, double ErrorRate, int AtSecond);

    public required string Profile { get; init; }
    public required IReadOnlyList<Endpoint> Endpoints { get; init; }
    public required IReadOnlyList<Check> Checks { get; init; }
    public required QueueWait.Result? Queue { get; init; }
    public Knee? StressKnee { get; init; }
    public required bool StopOnBreach { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary>A stress profile breaks a threshold by design: its result is the knee, so it exits 0 either way.</summary>
    public int ExitCode => StopOnBreach || Checks.All(c => c.Met) ? 0 : 1;

    public static Summary Build(LoadProfile profile, LiveResults results, QueueWait.Result? queue, double? stoppedAt)
    {
        var seconds = results.Seconds;
        var endpoints = results.Names.Select(name =>
        {
            var all = seconds.SelectMany(s => s.Requests.TryGetValue(name, out var r) ? [r] : Array.Empty<(int Count, int Failed, double[] Latencies)>()).ToList();
            var latencies = all.SelectMany(r => r.Latencies).ToArray();
            var transport = results.TransportErrors.GetValueOrDefault(name);
            return new Endpoint(name, all.Sum(r => r.Count) + transport, all.Sum(r => r.Failed) + transport,
                LiveResults.Quantile(latencies, 0.5), LiveResults.Quantile(latencies, 0.95), LiveResults.Quantile(latencies, 0.99),
                all.Sum(r => r.Count) / (double)Math.Max(1, seconds.Count));
        }).ToList();
        var allLatencies = seconds.SelectMany(s => s.Requests.Values.SelectMany(r => r.Latencies)).ToArray();
        var requests = endpoints.Sum(e => e.Requests);
        var failed = endpoints.Sum(e => e.Failed);
        var checks = new List<Check>
        {
            new("latency p95, all requests", LiveResults.Quantile(allLatencies, 0.95), profile.Thresholds.LatencyP95Milliseconds, "ms"),
            new("error rate", requests > 0 ? 100.0 * failed / requests : 0, profile.Thresholds.ErrorRate * 100, "%"),
        };
        if (queue is not null) checks.Add(new("queue wait p95", queue.P95Seconds, profile.Thresholds.QueueWaitP95Seconds, "s"));

        Knee? knee = null;
        if (profile.StopOnBreach)
        {
            // The first 10 s window that breaks a threshold: the users then, and what the platform carried.
            for (var i = 10; i <= seconds.Count; i++)
            {
                var window = seconds.Skip(i - 10).Take(10).ToList();
                var w = LiveResults.Window(window);
                if (w.Requests < 50 || (w.P95 <= profile.Thresholds.LatencyP95Milliseconds && w.ErrorRate < profile.Thresholds.ErrorRate)) continue;
                var executions = profile.Requests.Where(r => r.StartsExecution).Sum(r =>
                {
                    var x = LiveResults.Window(window, r.Name);
                    return x.PerSecond * (1 - x.ErrorRate);
                });
                knee = new Knee(window[^1].Users, w.PerSecond, executions, w.P95, w.ErrorRate, window[^1].T);
                break;
            }
        }
        return new Summary
        {
            Profile = profile.Name, Endpoints = endpoints, Checks = checks, Queue = queue, StressKnee = knee,
            StopOnBreach = profile.StopOnBreach, DurationSeconds = stoppedAt ?? profile.Duration.TotalSeconds,
        };
    }

    public void Print()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("endpoint")
            .AddColumn(new TableColumn("requests").RightAligned()).AddColumn(new TableColumn("req/s").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p95 ms").RightAligned()).AddColumn(new TableColumn("p99 ms").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned()).AddColumn(new TableColumn("errors").RightAligned());
        foreach (var e in Endpoints)
            table.AddRow(Markup.Escape(e.Name), $"{e.Requests}", $"{e.PerSecond:0.0}", $"{e.P50:0.0}", $"{e.P95:0.0}", $"{e.P99:0.0}", $"{e.Failed}",
                $"{(e.Requests > 0 ? 100.0 * e.Failed / e.Requests : 0):0.00} %");
        AnsiConsole.Write(table);
        if (Queue is { } q)
            AnsiConsole.MarkupLine($"executions: {q.Executions} ({q.Unfinished} not started when read); queue wait p50 {q.P50Seconds:0.000} s, p95 {q.P95Seconds:0.000} s, max {q.MaxSeconds:0.000} s");
        var checks = new Table().Border(TableBorder.Rounded).AddColumn("threshold").AddColumn(new TableColumn("measured").RightAligned()).AddColumn(new TableColumn("limit").RightAligned()).AddColumn("");
        foreach (var c in Checks) checks.AddRow(Markup.Escape(c.Name), $"{c.Measured:0.###} {c.Unit}", $"< {c.Threshold:0.###} {c.Unit}", c.Met ? "[green]holds[/]" : "[red]BREACHED[/]");
        AnsiConsole.Write(checks);
        if (StopOnBreach)
            AnsiConsole.MarkupLine(StressKnee is { } k
                ? $"[yellow]knee:[/] at {k.Users} users ({k.RequestsPerSecond:0} req/s, {k.ExecutionsPerSecond:0} executions/s) a 10 s window reached p95 {k.P95:0} ms, errors {k.ErrorRate * 100:0.00} % (second {k.AtSecond})"
                : "[green]no knee: every 10 s window held the thresholds up to the profile's peak[/]");
        else
            AnsiConsole.MarkupLine(Checks.All(c => c.Met) ? "[green]every threshold holds[/]" : "[red]a threshold is breached[/]");
    }

    public void Write(string directory, LiveResults results)
    {
        var json = new JsonObject
        {
            ["profile"] = Profile,
            ["durationSeconds"] = DurationSeconds,
            ["machine"] = Workflows.Harness.Machine.Describe(),
            ["endpoints"] = new JsonArray(Endpoints.Select(e => (JsonNode?)new JsonObject
            {
                ["name"] = e.Name, ["requests"] = e.Requests, ["failed"] = e.Failed, ["requestsPerSecond"] = Math.Round(e.PerSecond, 2),
                ["p50Ms"] = e.P50, ["p95Ms"] = e.P95, ["p99Ms"] = e.P99,
            }).ToArray()),
            ["checks"] = new JsonArray(Checks.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name, ["measured"] = Math.Round(c.Measured, 4), ["threshold"] = c.Threshold, ["unit"] = c.Unit, ["met"] = c.Met,
            }).ToArray()),
            ["queueWait"] = Queue is { } q ? new JsonObject { ["executions"] = q.Executions, ["unfinished"] = q.Unfinished, ["p50Seconds"] = q.P50Seconds, ["p95Seconds"] = q.P95Seconds, ["maxSeconds"] = q.MaxSeconds } : null,
            ["knee"] = StressKnee is { } k ? new JsonObject { ["users"] = k.Users, ["requestsPerSecond"] = k.RequestsPerSecond, ["executionsPerSecond"] = k.ExecutionsPerSecond, ["p95Ms"] = k.P95, ["errorRate"] = k.ErrorRate, ["atSecond"] = k.AtSecond } : null,
            ["passed"] = Checks.All(c => c.Met),
        };
        File.WriteAllText(Path.Combine(directory, "summary.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        using var csv = new StreamWriter(Path.Combine(directory, "series.csv"));
        csv.WriteLine("second,users,endpoint,requests,failed,p50Ms,p95Ms,p99Ms");
        foreach (var s in results.Seconds)
            foreach (var (name, r) in s.Requests)
                csv.WriteLine(string.Join(",", s.T, s.Users, name, r.Count, r.Failed,
                    LiveResults.Quantile(r.Latencies, 0.5).ToString(CultureInfo.InvariantCulture),
                    LiveResults.Quantile(r.Latencies, 0.95).ToString(CultureInfo.InvariantCulture),
                    LiveResults.Quantile(r.Latencies, 0.99).ToString(CultureInfo.InvariantCulture)));
    }
}
