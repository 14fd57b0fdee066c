using System.Text.Json.Nodes;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>
/// A load profile as an artillery script: arrival phases that add the users each rising stage needs (falling and
/// flat stages pause), one scenario looping the profile's steps while the user's slot is wanted (processor.js), the
/// expected statuses per request, per-endpoint metrics, and the profile's thresholds as artillery's ensure checks.
/// </summary>
public static class ArtilleryConfig
{
    public static JsonObject Build(LoadProfile profile, string baseUrl, string apiKey, string workflowId, string processorPath)
    {
        var phases = new JsonArray();
        double previous = 0;
        foreach (var (stage, i) in profile.Stages.Select((s, i) => (s, i)))
        {
            var seconds = Math.Max(stage.Duration.TotalSeconds, 0.001);
            phases.Add(stage.Target > previous
                ? new JsonObject { ["name"] = $"stage {i + 1}: ramp to {stage.Target}", ["duration"] = seconds, ["arrivalCount"] = (int)(stage.Target - previous) }
                : new JsonObject { ["name"] = $"stage {i + 1}: {(stage.Target < previous ? "ramp down to" : "hold")} {stage.Target}", ["pause"] = seconds });
            previous = stage.Target;
        }

        var flow = new JsonArray();
        foreach (var step in profile.Steps)
        {
            flow.Add(step switch
            {
                Think think => new JsonObject { ["think"] = think.Duration.TotalSeconds },
                Request r => new JsonObject
                {
                    [r.Method.ToLowerInvariant()] = Request(r),
                },
                _ => throw new InvalidOperationException($"unknown step {step}"),
            });
        }

        return new JsonObject
        {
            ["config"] = new JsonObject
            {
                ["target"] = baseUrl,
                ["phases"] = phases,
                ["processor"] = processorPath,
                ["defaults"] = new JsonObject { ["headers"] = new JsonObject { ["X-Api-Key"] = apiKey } },
                ["http"] = new JsonObject { ["timeout"] = 60 },
                ["variables"] = new JsonObject
                {
                    ["workflowId"] = workflowId,
                    // Strings: artillery picks one element of an array variable at random.
                    ["stagesJson"] = new JsonArray(profile.Stages.Select(s => (JsonNode?)new JsonObject { ["duration"] = $"{s.Duration.TotalSeconds}s", ["target"] = s.Target }).ToArray()).ToJsonString(),
                    ["expectJson"] = new JsonObject(profile.Requests.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)new JsonArray(r.Expect.Select(c => (JsonNode?)c).ToArray())))).ToJsonString(),
                },
                ["plugins"] = new JsonObject
                {
                    ["metrics-by-endpoint"] = new JsonObject { ["useOnlyRequestNames"] = true },
                    ["ensure"] = new JsonObject(),
                },
                ["ensure"] = new JsonObject
                {
                    ["thresholds"] = new JsonArray(new JsonObject { ["http.response_time.p95"] = profile.Thresholds.LatencyP95Milliseconds }),
                    ["conditions"] = new JsonArray(new JsonObject { ["expression"] = $"app.unexpected_status / http.requests <= {profile.Thresholds.ErrorRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}" }),
                },
            },
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["name"] = profile.Name,
                ["beforeScenario"] = "assignSlot",
                ["afterResponse"] = "checkStatus",
                ["flow"] = new JsonArray(new JsonObject { ["loop"] = flow, ["whileTrue"] = "keepRunning" }),
            }),
        };
    }

    private static JsonObject Request(Request r)
    {
        var request = new JsonObject
        {
            ["url"] = r.Path.Replace("{workflowId}", "{{ workflowId }}"),
            ["name"] = r.Name,
        };
        if (r.Body is { } body) request["json"] = JsonNode.Parse(body);
        return request;
    }
}
