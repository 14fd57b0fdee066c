using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Policies;

namespace Infra.Rehearsal.Simulation;

/// <summary>An HPA's metrics and behavior as report lines, for whichever tier it scales.</summary>
public static class HpaDescription
{
    public static IEnumerable<string> Lines(string tier, HpaSpec hpa, IReadOnlyDictionary<string, CloudWatchQuery> external)
    {
        foreach (var m in hpa.Metrics)
            yield return m.Type == "Resource"
                ? $"{tier}: HPA metric {m.Resource!.Name} utilization {m.Resource.Target.AverageUtilization} % of request"
                : $"{tier}: HPA metric {m.External!.Metric.Name} = {(external.TryGetValue(m.External.Metric.Name, out var q) ? $"CloudWatch {q.Signal} {q.Statistic} over {q.PeriodSeconds} s" : "?")}, {m.External.Target.Type} {m.External.Target.AverageValue ?? m.External.Target.Value}";
        if (hpa.Behavior is { } behavior)
            yield return $"{tier}: HPA behavior up: window {behavior.ScaleUp?.StabilizationWindowSeconds ?? 0} s, {Policies(behavior.ScaleUp)}; " +
                $"down: window {behavior.ScaleDown?.StabilizationWindowSeconds?.ToString() ?? "300"} s, {Policies(behavior.ScaleDown)}";
    }

    private static string Policies(HpaScalingRules? rules) =>
        rules?.Policies is { } list ? $"{rules.SelectPolicy ?? "Max"} of " + string.Join(" and ", list.Select(x => $"{x.Value}{(x.Type == "Percent" ? " %" : " pods")}/{x.PeriodSeconds} s")) : "default policies";
}
