using System.Globalization;
using Infra.Rehearsal.Kubernetes;

namespace Infra.Rehearsal.Policies;

/// <summary>What-ifs on the policies read from the templates: <c>--set workers.maxReplicas=40</c>.</summary>
public static class PolicyOverrides
{
    public static readonly IReadOnlyList<(string Key, string Meaning)> Keys =
    [
        ("web.minCapacity", "Auto Scaling group minimum"),
        ("web.maxCapacity", "Auto Scaling group maximum"),
        ("web.desiredCapacity", "Auto Scaling group desired capacity at the start"),
        ("web.instanceType", "the web tier's instance type"),
        ("web.detailedMonitoring", "true for 1-minute EC2 metrics"),
        ("web.defaultInstanceWarmupSeconds", "the group's default instance warm-up"),
        ("web.cpuTargetPercent", "the CPU target-tracking target"),
        ("web.requestsPerTarget", "the ALBRequestCountPerTarget target"),
        ("webPods.minReplicas", "the API HPA's minimum (web.platform: eks)"),
        ("webPods.maxReplicas", "the API HPA's maximum (web.platform: eks)"),
        ("webPods.cpuTargetPercent", "the API HPA's CPU target, % of request (web.platform: eks)"),
        ("webPods.memoryTargetPercent", "the API HPA's memory target, % of request (web.platform: eks)"),
        ("workers.minReplicas", "the HPA minimum"),
        ("workers.maxReplicas", "the HPA maximum"),
        ("workers.queueLengthPerPod", "the QueueLength target per pod"),
        ("workers.cpuTargetPercent", "the worker CPU target"),
        ("workers.concurrency", "executions per pod"),
        ("nodes.minSize", "node group minimum"),
        ("nodes.maxSize", "node group maximum"),
        ("nodes.instanceType", "node instance type"),
    ];

    public static bool IsKnown(string key) => Keys.Any(k => k.Key == key);

    public static ScalingPolicies Apply(ScalingPolicies p, string key, string value)
    {
        int Int() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? i : throw new ArgumentException($"{key}={value}: not a whole number of 0 or more");
        double Number() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d : throw new ArgumentException($"{key}={value}: not a number above 0");
        var workers = p.Workers;
        if (key.StartsWith("web.", StringComparison.Ordinal) && p.Web is null)
            throw new ArgumentException($"{key}: {p.Environment} runs its web tier as pods (web.platform: eks); its what-ifs are {string.Join(", ", Keys.Where(k => k.Key.StartsWith("webPods.", StringComparison.Ordinal)).Select(k => k.Key))}");
        if (key.StartsWith("webPods.", StringComparison.Ordinal) && p.WebPods is null)
            throw new ArgumentException($"{key}: {p.Environment} runs its web tier on an Auto Scaling group (web.platform: asg); its what-ifs are {string.Join(", ", Keys.Where(k => k.Key.StartsWith("web.", StringComparison.Ordinal)).Select(k => k.Key))}");
        var web = p.Web!;
        var pods = p.WebPods!;
        return key switch
        {
            "web.minCapacity" => p with { Web = web with { MinCapacity = Int() } },
            "web.maxCapacity" => p with { Web = web with { MaxCapacity = Int() } },
            "web.desiredCapacity" => p with { Web = web with { DesiredCapacity = Int() } },
            "web.instanceType" => p with { Web = web with { InstanceType = KnownType(value, key) } },
            "web.detailedMonitoring" => p with { Web = web with { DetailedMonitoring = bool.TryParse(value, out var b) ? b : throw new ArgumentException($"{key}={value}: not true or false") } },
            "web.defaultInstanceWarmupSeconds" => p with { Web = web with { DefaultInstanceWarmupSeconds = Int() } },
            "web.cpuTargetPercent" => p with { Web = web with { TargetTracking = Retarget(web.TargetTracking, "ASGAverageCPUUtilization", Number(), key) } },
            "web.requestsPerTarget" => p with { Web = web with { TargetTracking = Retarget(web.TargetTracking, "ALBRequestCountPerTarget", Number(), key) } },
            "webPods.minReplicas" => p with { WebPods = pods with { Hpa = pods.Hpa with { MinReplicas = Math.Max(1, Int()) } } },
            "webPods.maxReplicas" => p with { WebPods = pods with { Hpa = pods.Hpa with { MaxReplicas = Math.Max(1, Int()) } } },
            "webPods.cpuTargetPercent" => p with { WebPods = pods with { Hpa = Utilization(pods.Hpa, "cpu", Int(), key) } },
            "webPods.memoryTargetPercent" => p with { WebPods = pods with { Hpa = Utilization(pods.Hpa, "memory", Int(), key) } },
            "workers.minReplicas" => p with { Workers = workers with { Hpa = workers.Hpa with { MinReplicas = Int() } } },
            "workers.maxReplicas" => p with { Workers = workers with { Hpa = workers.Hpa with { MaxReplicas = Int() } } },
            "workers.queueLengthPerPod" => p with { Workers = workers with { Hpa = workers.Hpa with { Metrics = workers.Hpa.Metrics.Select(m => m.External is null ? m
                : m with { External = m.External with { Target = m.External.Target.AverageValue is not null ? m.External.Target with { AverageValue = value } : m.External.Target with { Value = value } } }).ToList() } } },
            "workers.cpuTargetPercent" => p with { Workers = workers with { Hpa = Utilization(workers.Hpa, "cpu", Int(), key) } },
            "workers.concurrency" => p with { Workers = workers with { Concurrency = Math.Max(1, Int()) } },
            "nodes.minSize" => p with { Workers = workers with { Nodes = workers.Nodes with { MinSize = Int() } } },
            "nodes.maxSize" => p with { Workers = workers with { Nodes = workers.Nodes with { MaxSize = Int() } } },
            "nodes.instanceType" => p with { Workers = workers with { Nodes = workers.Nodes with { InstanceType = KnownType(value, key) } } },
            _ => throw new ArgumentException($"unknown policy '{key}'"),
        };
    }

    private static HpaSpec Utilization(HpaSpec hpa, string resource, int percent, string key) =>
        hpa.Metrics.Any(m => m.Resource?.Name == resource)
            ? hpa with { Metrics = hpa.Metrics.Select(m => m.Resource?.Name == resource ? m with { Resource = m.Resource with { Target = m.Resource.Target with { AverageUtilization = percent } } } : m).ToList() }
            : throw new ArgumentException($"{key}: the HPA has no {resource} metric");

    private static string KnownType(string instanceType, string key)
    {
        InstanceTypes.Of(instanceType, key); // throws, naming the known types
        return instanceType;
    }

    private static List<TargetTrackingPolicy> Retarget(IReadOnlyList<TargetTrackingPolicy> policies, string metric, double target, string key) =>
        policies.Any(t => t.Metric == metric)
            ? policies.Select(t => t.Metric == metric ? t with { TargetValue = target } : t).ToList()
            : throw new ArgumentException($"{key}: the templates have no {metric} target-tracking policy");
}
