using ScottPlot;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>PNG plots over 5 s windows: requests/s per endpoint with the users, p50/p95/p99 per endpoint against the threshold, error rate per endpoint.</summary>
public static class Plots
{
    private const int Window = 5;

    public static void Write(LiveResults results, LoadProfile profile, string directory)
    {
        var windows = results.Seconds.Chunk(Window).ToList();
        var x = windows.Select(w => w[0].T / 60.0).ToArray();

        var throughput = new Plot();
        throughput.Title($"{profile.Name}: requests per second");
        throughput.XLabel("minutes");
        throughput.YLabel("requests/s");
        foreach (var name in results.Names)
            throughput.Add.ScatterLine(x, windows.Select(w => LiveResults.Window(w, name).PerSecond).ToArray()).LegendText = name;
        var users = throughput.Add.ScatterLine(x, windows.Select(w => (double)w[^1].Users).ToArray());
        users.LegendText = "users (right)";
        users.LinePattern = LinePattern.Dashed;
        users.Axes.YAxis = throughput.Axes.Right;
        throughput.Axes.Right.Label.Text = "users";
        throughput.ShowLegend(Alignment.UpperLeft);
        throughput.SavePng(Path.Combine(directory, "throughput.png"), 1100, 500);

        var latency = new Plot();
        latency.Title($"{profile.Name}: latency per endpoint");
        latency.XLabel("minutes");
        latency.YLabel("milliseconds");
        foreach (var name in results.Names)
        {
            double Q(SecondStats[] w, double q) => LiveResults.Quantile(w.SelectMany(s => s.Requests.TryGetValue(name, out var r) ? r.Latencies : []).ToArray(), q);
            latency.Add.ScatterLine(x, windows.Select(w => Q(w, 0.5)).ToArray()).LegendText = $"{name} p50";
            latency.Add.ScatterLine(x, windows.Select(w => Q(w, 0.95)).ToArray()).LegendText = $"{name} p95";
            latency.Add.ScatterLine(x, windows.Select(w => Q(w, 0.99)).ToArray()).LegendText = $"{name} p99";
        }
        var limit = latency.Add.HorizontalLine(profile.Thresholds.LatencyP95Milliseconds);
        limit.LegendText = $"p95 threshold {profile.Thresholds.LatencyP95Milliseconds} ms";
        limit.LinePattern = LinePattern.Dashed;
        latency.Axes.SetLimitsY(0, Math.Max(50, results.Seconds.SelectMany(s => s.Requests.Values.SelectMany(r => r.Latencies)).DefaultIfEmpty(0).Max() * 1.05));
        latency.ShowLegend(Alignment.UpperLeft);
        latency.SavePng(Path.Combine(directory, "latency.png"), 1100, 500);

        var errors = new Plot();
        errors.Title($"{profile.Name}: error rate per endpoint");
        errors.XLabel("minutes");
        errors.YLabel("% of requests");
        foreach (var name in results.Names)
            errors.Add.ScatterLine(x, windows.Select(w => LiveResults.Window(w, name).ErrorRate * 100).ToArray()).LegendText = name;
        var budget = errors.Add.HorizontalLine(profile.Thresholds.ErrorRate * 100);
        budget.LegendText = $"threshold {profile.Thresholds.ErrorRate * 100} %";
        budget.LinePattern = LinePattern.Dashed;
        errors.ShowLegend(Alignment.UpperLeft);
        errors.SavePng(Path.Combine(directory, "errors.png"), 1100, 500);
    }
}
