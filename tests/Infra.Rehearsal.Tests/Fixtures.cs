using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Workflows.LoadProfiles;

namespace Infra.Rehearsal.Tests;

/// <summary>Policies and inputs shaped like the prod templates, built directly (no synthesis), to vary one thing at a time.</summary>
internal static class Fixtures
{
    public static WebTierPolicies Web(params TargetTrackingPolicy[] tracking) => new()
    {
        MinCapacity = 3, MaxCapacity = 10, DesiredCapacity = 3, InstanceType = "t3.small", HealthCheckGraceSeconds = 300,
        DetailedMonitoring = true, DefaultInstanceWarmupSeconds = 120, HealthCheckIntervalSeconds = 15, HealthyThresholdCount = 2,
        DeregistrationDelaySeconds = 25,
        TargetTracking = tracking.Length > 0 ? tracking : [new TargetTrackingPolicy("cpu", "ASGAverageCPUUtilization", 70, false, null)],
        StepScaling = [],
    };

    public static HpaBehavior SeedBehavior => new()
    {
        ScaleUp = new HpaScalingRules
        {
            StabilizationWindowSeconds = 0, SelectPolicy = "Max",
            Policies = [new() { Type = "Percent", Value = 100, PeriodSeconds = 30 }, new() { Type = "Pods", Value = 2, PeriodSeconds = 30 }],
        },
        ScaleDown = new HpaScalingRules { StabilizationWindowSeconds = 300, Policies = [new() { Type = "Percent", Value = 50, PeriodSeconds = 60 }] },
    };

    public static WorkerTierPolicies Workers(int min = 3, int max = 20, int nodesMax = 6) => new()
    {
        Pod = new PodTemplate("workflows/workflow-worker", 500, 2000, 1024L * 1024 * 1024 * 1000, 5, 5),
        Concurrency = 8,
        Hpa = new HpaSpec
        {
            MinReplicas = min, MaxReplicas = max, Behavior = SeedBehavior,
            Metrics =
            [
                new MetricSpec { Type = "Resource", Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = "Utilization", AverageUtilization = 75 } } },
                new MetricSpec { Type = "External", External = new MetricSource { Metric = new MetricIdentifier { Name = "s1-aws-cloudwatch" }, Target = new MetricTarget { Type = "AverageValue", AverageValue = "10" } } },
            ],
        },
        KedaPollingIntervalSeconds = 30,
        ExternalMetrics = new Dictionary<string, CloudWatchQuery> { ["s1-aws-cloudwatch"] = new("QueueLength", "Average", 60, 300, 0, false, 0) },
        Nodes = new NodeGroupPolicy("m6i.xlarge", 3, nodesMax, 3),
        ClusterAutoscaler = new ClusterAutoscalerPolicy(),
    };

    /// <summary>The API as pods (web.platform: eks): the source document's frontend HPA (CPU 70 %, memory 80 %, 3–10).</summary>
    public static WebPodPolicies WebPods(int min = 3, int max = 10) => new()
    {
        Pod = new PodTemplate("workflows/workflow-api", 500, 1000, 512L * 1024 * 1024 * 1000, 5, 5),
        Hpa = new HpaSpec
        {
            MinReplicas = min, MaxReplicas = max, Behavior = SeedBehavior,
            Metrics =
            [
                new MetricSpec { Type = "Resource", Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = "Utilization", AverageUtilization = 70 } } },
                new MetricSpec { Type = "Resource", Resource = new ResourceMetricSource { Name = "memory", Target = new MetricTarget { Type = "Utilization", AverageUtilization = 80 } } },
            ],
        },
        HealthCheckIntervalSeconds = 15, HealthyThresholdCount = 2, DeregistrationDelaySeconds = 25,
    };

    public static Calibration Calibration(double executionMs = 3, double executionCpuMs = 1) => new()
    {
        MeasuredOn = "test", MeasuredCores = 2, MeasuredAt = "2026-12-02",
        Requests = new Dictionary<string, Calibration.RequestCost>
        {
            ["listWorkflows"] = new(0.15, 0), ["executeWorkflow"] = new(0.9, 0),
        },
        Execution = new Calibration.ExecutionCost(executionCpuMs, executionMs),
    };

    /// <summary>The seed's user loop with the given stages.</summary>
    public static LoadProfile Profile(params Stage[] stages) => new()
    {
        Name = "test",
        Stages = stages,
        Steps =
        [
            new Request("listWorkflows", "GET", "/api/workflows", null, [200], false),
            new Think(TimeSpan.FromSeconds(1)),
            new Request("executeWorkflow", "POST", "/api/workflows/{workflowId}/execute", null, [202], true),
            new Think(TimeSpan.FromSeconds(2)),
        ],
    };

    public static Stage Stage(string duration, int users) => new(ProfileLoader.ParseDuration(duration)!.Value, users);
}
