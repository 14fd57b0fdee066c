using System.Text.Json.Nodes;

namespace Infra.Stacks.Stacks;

/// <summary>A scaling rule as synthesized: which construct, what kind, on which metric, to what target.</summary>
public sealed record SynthesizedScalingRule(string Name, string Kind, string Metric, string Target);

/// <summary>Reads the scaling rules back out of a synthesized template's resources.</summary>
public static class TemplateScaling
{
    public static IEnumerable<SynthesizedScalingRule> Rules(JsonObject resources)
    {
        foreach (var (logicalId, resource) in resources)
        {
            if (resource!["Type"]!.GetValue<string>() != "AWS::AutoScaling::ScalingPolicy") continue;
            var p = resource["Properties"]!;
            var name = ConstructPath(resource) ?? logicalId;
            if (p["TargetTrackingConfiguration"] is { } tracking)
            {
                var metric = tracking["PredefinedMetricSpecification"]?["PredefinedMetricType"]?.GetValue<string>()
                    ?? Custom(tracking["CustomizedMetricSpecification"]);
                yield return new(name, "target tracking", metric, tracking["TargetValue"]!.ToJsonString());
            }
            else
            {
                var steps = p["StepAdjustments"] is JsonArray s ? $"{s.Count} steps" : "steps";
                yield return new(name, p["PolicyType"]?.GetValue<string>() ?? "step scaling", "alarm-driven", steps);
            }
        }
    }

    /// <summary>"dev-web/Web/Group/ScalingPolicyCpu/Resource" → "Web/Group/ScalingPolicyCpu".</summary>
    private static string? ConstructPath(JsonNode resource)
    {
        var path = resource["Metadata"]?["aws:cdk:path"]?.GetValue<string>();
        if (path is null) return null;
        var parts = path.Split('/');
        return string.Join('/', parts.Skip(1).Take(parts.Length - (parts[^1] == "Resource" ? 2 : 1)));
    }

    private static string Custom(JsonNode? spec) =>
        spec?["MetricName"] is { } name ? $"{spec["Namespace"]}/{name}"
        : spec?["Metrics"] is JsonArray m ? $"metric math over {m.Count} metrics" : "custom";
}
