using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Infra.Rehearsal.Simulation;

namespace Infra.Rehearsal.Output;

/// <summary>The full time series as CSV, and everything (series, tiers, SLO, policies, assumptions) as JSON.</summary>
public static class SeriesFiles
{
    public static void WriteCsv(RehearsalResult result, string path)
    {
        var columns = typeof(Sample).GetProperties();
        using var writer = new StreamWriter(path);
        using var csv = CsvWriter.Create(writer, CsvWriterOptions.Default, false);
        csv.WriteHeader(columns.Select(c => char.ToLowerInvariant(c.Name[0]) + c.Name[1..]).ToArray());
        foreach (var sample in result.Series)
        {
            foreach (var column in columns)
                csv.WriteField(column.GetValue(sample) is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : "");
            csv.EndRecord();
        }
    }

    public static void WriteJson(RehearsalResult result, string path)
    {
        var json = new JsonObject
        {
            ["environment"] = result.Environment,
            ["profile"] = result.Profile,
            ["durationSeconds"] = result.DurationSeconds,
            ["passed"] = result.Passed,
            ["slo"] = new JsonArray(result.Slo.Select(s => (JsonNode?)new JsonObject
            {
                ["name"] = s.Name, ["measured"] = Math.Round(s.Measured, 3), ["threshold"] = s.Threshold, ["unit"] = s.Unit, ["met"] = s.Met,
            }).ToArray()),
            ["tiers"] = new JsonObject(result.Tiers.Select(t => KeyValuePair.Create(t.Tier, (JsonNode?)new JsonObject(
                t.Figures.Select(f => KeyValuePair.Create(f.Figure, (JsonNode?)f.Value))))).ToArray()),
            ["requests"] = new JsonArray(result.Requests.Select(r => (JsonNode?)new JsonObject
            {
                ["request"] = r.Request, ["p50Ms"] = Math.Round(r.P50, 2), ["p95Ms"] = Math.Round(r.P95, 2), ["p99Ms"] = Math.Round(r.P99, 2),
                ["requests"] = Math.Round(r.Requests), ["failed"] = Math.Round(r.Failed),
            }).ToArray()),
            ["policies"] = new JsonArray(result.Policies.Select(p => (JsonNode?)p).ToArray()),
            ["findings"] = new JsonArray(result.Findings.Select(p => (JsonNode?)p).ToArray()),
            ["assumptions"] = new JsonArray(result.Assumptions.Select(p => (JsonNode?)p).ToArray()),
            ["sampleSeconds"] = result.SampleSeconds,
            ["webUnit"] = result.WebUnit,
            ["series"] = JsonSerializer.SerializeToNode(result.Series, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
