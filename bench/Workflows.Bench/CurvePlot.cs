using System.Globalization;
using ScottPlot;

namespace Workflows.Bench;

/// <summary>
/// Draws bench/curve.sh's CSV (series, connections, requests/s, p95 ms) as two panels sharing the connections axis
/// (logarithmic, 1-200): throughput above, p95 latency below.
/// </summary>
public static class CurvePlot
{
    public static int Write(string csvPath, string pngPath, string subtitle)
    {
        var rows = File.ReadLines(csvPath).Skip(1).Where(l => l.Length > 0).Select((line, i) =>
        {
            var f = line.Split(',');
            if (f.Length != 4) throw new FormatException($"{csvPath}:{i + 2}: expected series,connections,requestsPerSecond,p95Milliseconds, got '{line}'");
            return (Series: f[0], Connections: double.Parse(f[1], CultureInfo.InvariantCulture),
                Rps: double.Parse(f[2], CultureInfo.InvariantCulture), P95: double.Parse(f[3], CultureInfo.InvariantCulture));
        }).ToList();

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var (throughput, latency) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        foreach (var series in rows.GroupBy(r => r.Series))
        {
            var x = series.Select(r => Math.Log10(r.Connections)).ToArray();
            var a = throughput.Add.Scatter(x, series.Select(r => r.Rps).ToArray());
            a.LegendText = series.Key;
            var b = latency.Add.Scatter(x, series.Select(r => r.P95).ToArray());
            b.LegendText = series.Key;
        }
        var ticks = rows.Select(r => r.Connections).Distinct().Order().ToArray();
        foreach (var plot in new[] { throughput, latency })
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString(CultureInfo.InvariantCulture)).ToArray());
            plot.XLabel("connections");
            plot.ShowLegend(Alignment.UpperLeft);
        }
        throughput.Title($"Throughput vs connections ({subtitle})");
        throughput.YLabel("requests/s");
        latency.YLabel("p95 latency (ms)");
        multiplot.SavePng(pngPath, 1100, 900);
        Console.WriteLine($"plotted {rows.Count} points of {rows.Select(r => r.Series).Distinct().Count()} series to {pngPath}");
        return 0;
    }
}
