using System.Text.Json.Nodes;
using Json.Schema;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>Validates EMF documents: the JSON schema, then the references the schema cannot express.</summary>
internal static class EmfValidator
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Metrics", "emf-schema.json"));

    public static IReadOnlyList<string> Problems(JsonNode document)
    {
        var problems = new List<string>();
        var result = Schema.Evaluate(System.Text.Json.JsonSerializer.SerializeToElement(document), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!result.IsValid)
            problems.AddRange((result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        if (problems.Count > 0) return problems;

        var root = document.AsObject();
        foreach (var directive in root["_aws"]!["CloudWatchMetrics"]!.AsArray())
        {
            foreach (var name in directive!["Dimensions"]!.AsArray().SelectMany(set => set!.AsArray()).Select(n => n!.GetValue<string>()))
                if (root[name] is not JsonValue v || !v.TryGetValue<string>(out _)) problems.Add($"dimension '{name}' is not a string member of the root");
            foreach (var metric in directive["Metrics"]!.AsArray())
            {
                var name = metric!["Name"]!.GetValue<string>();
                switch (root[name])
                {
                    case JsonValue v when v.TryGetValue<double>(out _): break;
                    case JsonArray a when a.Count <= 100 && a.All(x => x is JsonValue n && n.TryGetValue<double>(out _)): break;
                    default: problems.Add($"metric '{name}' is not a number or an array of at most 100 numbers"); break;
                }
            }
        }
        return problems;
    }
}
