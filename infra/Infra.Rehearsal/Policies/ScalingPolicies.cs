using Infra.Rehearsal.Kubernetes;

namespace Infra.Rehearsal.Policies;

/// <summary>
/// Every scaling policy of one environment, as read from its synthesized templates (what would deploy). The web tier is
/// either an Auto Scaling group (<see cref="Web"/>, <c>web.platform: asg</c>) or pods on the workers' cluster
/// (<see cref="WebPods"/>, <c>web.platform: eks</c>): exactly one of the two is set.
/// </summary>
public sealed record ScalingPolicies
{
    public ScalingPolicies(string environment, WebTierPolicies web, WorkerTierPolicies workers) => (Environment, Web, Workers) = (environment, web, workers);

    public ScalingPolicies(string environment, WebPodPolicies webPods, WorkerTierPolicies workers) => (Environment, WebPods, Workers) = (environment, webPods, workers);

    public string Environment { get; init; }
    public WebTierPolicies? Web { get; init; }
    public WebPodPolicies? WebPods { get; init; }
    public WorkerTierPolicies Workers { get; init; }
}

/// <summary>The API tier: an EC2 Auto Scaling group behind an ALB target group.</summary>
public sealed record WebTierPolicies
{
    public required int MinCapacity { get; init; }
    public required int MaxCapacity { get; init; }
    public required int DesiredCapacity { get; init; }
    public required string InstanceType { get; init; }
    public required int HealthCheckGraceSeconds { get; init; }
    /// <summary>Launch template Monitoring.Enabled: without it EC2 publishes CPUUtilization every 5 minutes, not every minute.</summary>
    public required bool DetailedMonitoring { get; init; }
    /// <summary>The group's DefaultInstanceWarmup; null falls back to DefaultCooldown (300 s), as AWS documents.</summary>
    public int? DefaultInstanceWarmupSeconds { get; init; }
    public int DefaultCooldownSeconds { get; init; } = 300;
    public required int HealthCheckIntervalSeconds { get; init; }
    public required int HealthyThresholdCount { get; init; }
    public required int DeregistrationDelaySeconds { get; init; }
    public required IReadOnlyList<TargetTrackingPolicy> TargetTracking { get; init; }
    public required IReadOnlyList<StepScalingPolicy> StepScaling { get; init; }
}

/// <summary>
/// The API tier as a Deployment on the workers' cluster (<c>web.platform: eks</c>), scaled by its HPA and registered in
/// the ALB target group by the AWS Load Balancer Controller (TargetGroupBinding): a ready pod serves once the target
/// group's health checks pass.
/// </summary>
public sealed record WebPodPolicies
{
    public required PodTemplate Pod { get; init; }
    public required HpaSpec Hpa { get; init; }
    public required int HealthCheckIntervalSeconds { get; init; }
    public required int HealthyThresholdCount { get; init; }
    public required int DeregistrationDelaySeconds { get; init; }
}

/// <summary>A target-tracking policy. <see cref="Metric"/>: ASGAverageCPUUtilization, ALBRequestCountPerTarget, or a signal name.</summary>
public sealed record TargetTrackingPolicy(string Name, string Metric, double TargetValue, bool DisableScaleIn, int? EstimatedInstanceWarmupSeconds);

/// <summary>A step-scaling policy with the CloudWatch alarm that drives it.</summary>
public sealed record StepScalingPolicy(
    string Name,
    string AdjustmentType,
    IReadOnlyList<StepAdjustment> Steps,
    int? EstimatedInstanceWarmupSeconds,
    int? MinAdjustmentMagnitude,
    AlarmDefinition Alarm);

/// <summary>Bounds are relative to the alarm threshold; null is unbounded.</summary>
public sealed record StepAdjustment(double? LowerBound, double? UpperBound, int Adjustment);

/// <summary>A CloudWatch alarm: metric (a contract signal), statistic, period, M out of N datapoints, threshold.</summary>
public sealed record AlarmDefinition(string Name, string Metric, string Statistic, int PeriodSeconds, int EvaluationPeriods, int DatapointsToAlarm,
    double Threshold, string ComparisonOperator)
{
    public bool Breaches(double value) => ComparisonOperator switch
    {
        "GreaterThanThreshold" => value > Threshold,
        "GreaterThanOrEqualToThreshold" => value >= Threshold,
        "LessThanThreshold" => value < Threshold,
        "LessThanOrEqualToThreshold" => value <= Threshold,
        _ => throw new PolicyNotUnderstoodException(Name, $"comparison operator {ComparisonOperator}"),
    };
}

/// <summary>The worker tier: a Deployment scaled by a KEDA ScaledObject (or an HPA) on an EKS managed node group.</summary>
public sealed record WorkerTierPolicies
{
    /// <summary>The worker Deployment's pods: requests, limit, readiness.</summary>
    public required PodTemplate Pod { get; init; }
    /// <summary>Executions one pod runs at once (the container's Queue__Concurrency).</summary>
    public required int Concurrency { get; init; }
    /// <summary>The HPA that scales the Deployment: generated from the ScaledObject, or an HPA manifest.</summary>
    public required HpaSpec Hpa { get; init; }
    /// <summary>KEDA's polling interval when a ScaledObject drives the HPA; null for a plain HPA.</summary>
    public int? KedaPollingIntervalSeconds { get; init; }
    /// <summary>External metric name (s1-aws-cloudwatch) → the CloudWatch query it stands for.</summary>
    public required IReadOnlyDictionary<string, CloudWatchQuery> ExternalMetrics { get; init; }
    public required NodeGroupPolicy Nodes { get; init; }
    public required ClusterAutoscalerPolicy ClusterAutoscaler { get; init; }
}

/// <summary>What KEDA's aws-cloudwatch scaler asks CloudWatch (metricStatPeriod, metricCollectionTime, end-time offset).</summary>
public sealed record CloudWatchQuery(string Signal, string Statistic, int PeriodSeconds, int CollectionSeconds, int EndTimeOffsetSeconds, bool IgnoreNullValues, double MinMetricValue);

public sealed record NodeGroupPolicy(string InstanceType, int MinSize, int MaxSize, int DesiredSize);

/// <summary>Cluster Autoscaler flags (from the chart's extraArgs, else the upstream defaults).</summary>
public sealed record ClusterAutoscalerPolicy
{
    public int ScanIntervalSeconds { get; init; } = 10;
    public int ScaleDownUnneededSeconds { get; init; } = 600;
    public int ScaleDownDelayAfterAddSeconds { get; init; } = 600;
    public double ScaleDownUtilizationThreshold { get; init; } = 0.5;
    public string Expander { get; init; } = "random";
}

/// <summary>A policy or manifest field the rehearsal does not model: never ignored silently.</summary>
public sealed class PolicyNotUnderstoodException(string where, string what)
    : Exception($"{where}: {what} is not modelled by the rehearsal; it cannot say what this policy would do")
{
    public string Where { get; } = where;
}
