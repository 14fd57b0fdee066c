using System.Text.Json.Nodes;
using Infra.Templates;

namespace Infra.Stacks.Stacks;

/// <summary>A scaling rule as synthesized: which construct, what kind, on which metric, to what target.</summary>
public sealed record SynthesizedScalingRule(string Name, string Kind, string Metric, string Target);

/// <summary>Reads the scaling rules back out of a synthesized template's resources.</summary>
public static class TemplateScaling
{
    public static IEnumerable<SynthesizedScalingRule> Rules(JsonObject resources)
    {
        foreach (var rule in KedaRules(resources)) yield return rule;
        foreach (var rule in HpaRules(resources)) yield return rule;
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
                // Step policies act through the alarms that name them.
                var alarm = resources.Select(r => r.Value!).FirstOrDefault(r => r["Type"]!.GetValue<string>() == "AWS::CloudWatch::Alarm"
                    && (r["Properties"]!["AlarmActions"] as JsonArray)?.Any(a => a?["Ref"]?.GetValue<string>() == logicalId) == true)?["Properties"];
                var stat = alarm?["Metrics"] is JsonArray m ? m.Select(x => x?["MetricStat"]).FirstOrDefault(x => x is not null) : null;
                var metric = alarm is null ? "alarm-driven"
                    : stat is not null ? $"{stat["Metric"]!["Namespace"]}/{stat["Metric"]!["MetricName"]} {stat["Stat"]}"
                    : $"{alarm["Namespace"]}/{alarm["MetricName"]} {alarm["ExtendedStatistic"] ?? alarm["Statistic"]}";
                var op = alarm?["ComparisonOperator"]?.GetValue<string>() switch { { } c when c.StartsWith("Greater") => ">", { } c when c.StartsWith("Less") => "<", _ => "?" };
                var changes = string.Join(", ", (p["StepAdjustments"] as JsonArray ?? []).Select(a => a!["ScalingAdjustment"]!.GetValue<int>()).Select(c => c > 0 ? $"+{c}" : $"{c}"));
                yield return new(name, "step scaling", metric, alarm is null ? changes : $"{op} {alarm["Threshold"]}: {changes}");
            }
        }
    }

    /// <summary>KEDA ScaledObjects applied through the EKS manifest resource: one row per trigger.</summary>
    private static IEnumerable<SynthesizedScalingRule> KedaRules(JsonObject resources)
    {
        foreach (var manifest in Manifests(resources))
        {
            if (manifest["kind"]?.GetValue<string>() != "ScaledObject") continue;
            var spec = manifest["spec"]!;
            var name = $"{manifest["metadata"]!["namespace"]}/{manifest["metadata"]!["name"]} (KEDA)";
            var kind = $"HPA {spec["minReplicaCount"]}–{spec["maxReplicaCount"]} pods";
            foreach (var trigger in spec["triggers"]!.AsArray())
            {
                var meta = trigger!["metadata"]!;
                yield return trigger["type"]!.GetValue<string>() switch
                {
                    "cpu" => new(name, kind, "pod CPU utilization", $"{meta["value"]} %"),
                    "aws-cloudwatch" => new(name, kind, $"{meta["namespace"]}/{meta["metricName"]} ({meta["dimensionName"]}={meta["dimensionValue"]})",
                        $"{meta["targetMetricValue"]} per pod"),
                    var other => new(name, kind, other, "see manifest"),
                };
            }
        }
    }

    /// <summary>Plain HorizontalPodAutoscalers (the API role with web.platform eks): one row per resource metric.</summary>
    private static IEnumerable<SynthesizedScalingRule> HpaRules(JsonObject resources)
    {
        foreach (var manifest in Manifests(resources))
        {
            if (manifest["kind"]?.GetValue<string>() != "HorizontalPodAutoscaler") continue;
            var spec = manifest["spec"]!;
            var name = $"{manifest["metadata"]!["namespace"]}/{manifest["metadata"]!["name"]} (HPA)";
            var kind = $"HPA {spec["minReplicas"]}–{spec["maxReplicas"]} pods";
            foreach (var metric in spec["metrics"]!.AsArray())
            {
                var resource = metric!["resource"];
                yield return resource is null
                    ? new(name, kind, metric["type"]!.GetValue<string>(), "see manifest")
                    : new(name, kind, $"pod {resource["name"]} utilization", $"{resource["target"]!["averageUtilization"]} %");
            }
        }
    }

    /// <summary>The objects in EKS manifest resources (see <see cref="TemplateJson.Manifests"/>).</summary>
    public static IEnumerable<JsonNode> Manifests(JsonObject resources) => TemplateJson.Manifests(resources);

    /// <summary>See <see cref="TemplateJson.Flatten"/>.</summary>
    public static string Flatten(JsonNode? node) => TemplateJson.Flatten(node);

    private static string? ConstructPath(JsonNode resource) => TemplateJson.ConstructPath(resource);

    private static string Custom(JsonNode? spec) =>
        spec?["MetricName"] is { } name ? $"{spec["Namespace"]}/{name}"
        : spec?["Metrics"] is JsonArray m ? $"metric math over {m.Count} metrics" : "custom";
}
