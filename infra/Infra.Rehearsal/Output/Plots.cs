using Infra.Rehearsal.Simulation;
using ScottPlot;

namespace Infra.Rehearsal.Output;

/// <summary>PNG plots of a rehearsal: load against replicas per tier, queue length against its target, latency against the SLO, nodes.</summary>
public static class Plots
{
    public static IReadOnlyList<string> Write(RehearsalResult result, string directory)
    {
        var minutes = result.Series.Select(s => s.T / 60).ToArray();
        var title = $"{result.Environment} · {result.Profile}";
        var files = new List<string>
        {
            TwoAxes(directory, "web.png", $"{title}: web tier", minutes,
                ("requests/s", result.Series.Select(s => s.RequestsPerSecond).ToArray()),
                [($"{result.WebUnit} serving", result.Series.Select(s => (double)s.WebServing).ToArray()), ("desired capacity", result.Series.Select(s => (double)s.WebDesired).ToArray())],
                result.WebUnit),
            TwoAxes(directory, "workers.png", $"{title}: worker tier", minutes,
                ("executions/s", result.Series.Select(s => s.ExecutionsPerSecond).ToArray()),
                [("pods ready", result.Series.Select(s => (double)s.WorkersReady).ToArray()), ("HPA desired", result.Series.Select(s => (double)s.WorkersDesired).ToArray())],
                "pods"),
            Queue(directory, result, minutes, title),
            Latency(directory, result, minutes, title),
            TwoAxes(directory, "nodes.png", $"{title}: nodes", minutes,
                ("pods pending", result.Series.Select(s => (double)s.PodsPending).ToArray()),
                [("nodes ready", result.Series.Select(s => (double)s.NodesReady).ToArray()), ("node group desired", result.Series.Select(s => (double)s.NodesDesired).ToArray())],
                "nodes"),
        };
        return files;
    }

    private static string TwoAxes(string directory, string file, string title, double[] x, (string Label, double[] Values) left,
        (string Label, double[] Values)[] right, string rightLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("minutes");
        var load = plot.Add.ScatterLine(x, left.Values);
        load.LegendText = left.Label;
        load.LineWidth = 1.5f;
        plot.Axes.Left.Label.Text = left.Label;
        var axis = plot.Axes.Right;
        axis.Label.Text = rightLabel;
        foreach (var (label, values) in right)
        {
            var line = plot.Add.ScatterLine(x, values);
            line.LegendText = label;
            line.LineWidth = 2;
            line.Axes.YAxis = axis;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, file);
        plot.SavePng(path, 1100, 500);
        return path;
    }

    private static string Queue(string directory, RehearsalResult result, double[] x, string title)
    {
        var plot = new Plot();
        plot.Title($"{title}: QueueLength against the HPA's target");
        plot.XLabel("minutes");
        plot.YLabel("executions");
        plot.Add.ScatterLine(x, result.Series.Select(s => s.QueueLength).ToArray()).LegendText = "QueueLength (actual)";
        plot.Add.ScatterLine(x, result.Series.Select(s => s.QueueLengthSeen ?? double.NaN).ToArray()).LegendText = "QueueLength seen by KEDA (CloudWatch)";
        plot.Add.ScatterLine(x, result.Series.Select(s => s.WorkersReady * result.QueueLengthTarget).ToArray()).LegendText = $"target: {result.QueueLengthTarget} × ready pods";
        var waits = plot.Add.ScatterLine(x, result.Series.Select(s => s.QueueWaitSeconds).ToArray());
        waits.LegendText = "oldest wait (s, right)";
        waits.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "seconds";
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "queue.png");
        plot.SavePng(path, 1100, 500);
        return path;
    }

    private static string Latency(string directory, RehearsalResult result, double[] x, string title)
    {
        var plot = new Plot();
        plot.Title($"{title}: latency against the SLO");
        plot.XLabel("minutes");
        plot.YLabel("milliseconds");
        plot.Add.ScatterLine(x, result.Series.Select(s => s.LatencyP50Ms).ToArray()).LegendText = "p50";
        plot.Add.ScatterLine(x, result.Series.Select(s => s.LatencyP95Ms).ToArray()).LegendText = "p95";
        var slo = plot.Add.HorizontalLine(result.LatencyThresholdMs);
        slo.LegendText = $"SLO p95 < {result.LatencyThresholdMs} ms";
        slo.LinePattern = LinePattern.Dashed;
        var errors = plot.Add.ScatterLine(x, result.Series.Select(s => s.ErrorRate * 100).ToArray());
        errors.LegendText = "errors (%, right)";
        errors.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "errors %";
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "latency.png");
        plot.SavePng(path, 1100, 500);
        return path;
    }
}
