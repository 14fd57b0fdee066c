using Infra.Rehearsal.Simulation;
using Spectre.Console;

namespace Infra.Rehearsal.Output;

/// <summary>The terminal summary: policies read, one table per tier, the requests, the SLO verdict.</summary>
public static class ConsoleReport
{
    public static void Print(RehearsalResult result, IAnsiConsole console)
    {
        console.Write(new Rule($"[bold]rehearsal[/] {Markup.Escape(result.Environment)} · profile {Markup.Escape(result.Profile)} · {result.DurationSeconds / 60:0.#} min").LeftJustified());
        foreach (var line in result.Policies) console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        var tiers = new Table().Border(TableBorder.Rounded).AddColumn("tier").AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var tier in result.Tiers)
        {
            var first = true;
            foreach (var (figure, value) in tier.Figures)
            {
                tiers.AddRow(first ? $"[bold]{Markup.Escape(tier.Tier)}[/]" : "", Markup.Escape(figure), Markup.Escape(value));
                first = false;
            }
        }
        console.Write(tiers);
        var requests = new Table().Border(TableBorder.Rounded).AddColumn("request")
            .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p95 ms").RightAligned()).AddColumn(new TableColumn("p99 ms").RightAligned())
            .AddColumn(new TableColumn("requests").RightAligned()).AddColumn(new TableColumn("failed").RightAligned());
        foreach (var r in result.Requests)
            requests.AddRow(Markup.Escape(r.Request), $"{r.P50:0.0}", $"{r.P95:0.0}", $"{r.P99:0.0}", $"{r.Requests:0}", $"{r.Failed:0}");
        console.Write(requests);
        var slo = new Table().Border(TableBorder.Rounded).AddColumn("SLO").AddColumn(new TableColumn("rehearsed").RightAligned()).AddColumn(new TableColumn("threshold").RightAligned()).AddColumn("");
        foreach (var s in result.Slo)
            slo.AddRow(Markup.Escape(s.Name), $"{s.Measured:0.##} {s.Unit}", $"< {s.Threshold:0.##} {s.Unit}", s.Met ? "[green]holds[/]" : "[red]BREACHED[/]");
        console.Write(slo);
        foreach (var finding in result.Findings) console.MarkupLine($"[yellow]finding:[/] {Markup.Escape(finding)}");
        console.MarkupLine(result.Passed ? "[green]verdict: the SLO holds[/]" : "[red]verdict: the SLO is breached[/]");
    }
}
