using System.Text.Json;
using Workflows.Harness;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Workflows.Drills;

/// <summary>A drill's figures, each with its goal where it has one; the drill passes when every goal is met.</summary>
public sealed class DrillReport(string drill)
{
    private readonly List<Figure> _figures = [];

    public string Drill { get; } = drill;
    public bool Passed => _figures.All(f => f.Met != false);
    public IReadOnlyList<Figure> Figures => _figures;

    /// <summary>A figure for the record (no goal).</summary>
    public void Note(string name, object value) => _figures.Add(new Figure(name, Format(value), null, null));

    /// <summary>A figure with its goal and whether it was met.</summary>
    public void Goal(string name, object value, string goal, bool met) => _figures.Add(new Figure(name, Format(value), goal, met));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
        TimeSpan t => $"{t.TotalSeconds:0.0} s",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    public void Print()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(Drill)}[/]")
            .AddColumn("figure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("goal").AddColumn("");
        foreach (var f in _figures)
            table.AddRow(Markup.Escape(f.Name), Markup.Escape(f.Value), Markup.Escape(f.GoalText ?? ""),
                f.Met switch { true => "[green]met[/]", false => "[red]MISSED[/]", null => "" });
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Passed ? "[green]drill passed[/]" : "[red]drill failed: a goal was missed[/]");
    }

    /// <summary>Writes <c>DIR/&lt;drill&gt;.json</c> with the machine it ran on.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Drill + ".json");
        var json = new JsonObject
        {
            ["drill"] = Drill,
            ["passed"] = Passed,
            ["finishedAt"] = DateTimeOffset.UtcNow.ToString("O"),
            ["machine"] = Machine.Describe(),
            ["figures"] = new JsonArray(_figures.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f.Name, ["value"] = f.Value, ["goal"] = f.GoalText, ["met"] = f.Met,
            }).ToArray()),
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public sealed record Figure(string Name, string Value, string? GoalText, bool? Met);
}
