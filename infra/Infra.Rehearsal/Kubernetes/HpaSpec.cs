using System.Text.Json.Serialization;

namespace Infra.Rehearsal.Kubernetes;

/// <summary>The parts of an <c>autoscaling/v2</c> HorizontalPodAutoscaler spec the controller acts on.</summary>
public sealed record HpaSpec
{
    /// <summary>Null means 1 (API defaulting).</summary>
    public int? MinReplicas { get; init; }
    public int MaxReplicas { get; init; }
    public IReadOnlyList<MetricSpec> Metrics { get; init; } = [];
    /// <summary>Null selects the legacy path (5-minute downscale stabilization, scale-up limit max(2×, 4)).</summary>
    public HpaBehavior? Behavior { get; init; }
}

public sealed record MetricSpec
{
    /// <summary>Resource, ContainerResource, Pods, Object or External.</summary>
    public string Type { get; init; } = "";
    public ResourceMetricSource? Resource { get; init; }
    public ResourceMetricSource? ContainerResource { get; init; }
    public MetricSource? Pods { get; init; }
    public MetricSource? Object { get; init; }
    public MetricSource? External { get; init; }
}

public sealed record ResourceMetricSource
{
    public string Name { get; init; } = "";
    /// <summary>ContainerResource only.</summary>
    public string? Container { get; init; }
    public MetricTarget Target { get; init; } = new();
}

public sealed record MetricSource
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
}

public sealed record MetricIdentifier
{
    public string Name { get; init; } = "";
}

public sealed record MetricTarget
{
    /// <summary>Utilization, Value or AverageValue.</summary>
    public string Type { get; init; } = "";
    public int? AverageUtilization { get; init; }
    /// <summary>A quantity string.</summary>
    public string? AverageValue { get; init; }
    public string? Value { get; init; }
}

public sealed record HpaBehavior
{
    public HpaScalingRules? ScaleUp { get; init; }
    public HpaScalingRules? ScaleDown { get; init; }
}

public sealed record HpaScalingRules
{
    public int? StabilizationWindowSeconds { get; init; }
    /// <summary>Max (default), Min or Disabled.</summary>
    public string? SelectPolicy { get; init; }
    public IReadOnlyList<HpaScalingPolicy>? Policies { get; init; }
    /// <summary>KEP-4951 per-direction tolerance, a quantity string ("0.05"); null uses the controller's.</summary>
    public string? Tolerance { get; init; }
}

public sealed record HpaScalingPolicy
{
    /// <summary>Pods or Percent.</summary>
    public string Type { get; init; } = "";
    public int Value { get; init; }
    public int PeriodSeconds { get; init; }
}

/// <summary>Controller flags (kube-controller-manager); the defaults are Kubernetes' own.</summary>
public sealed record HpaControllerSettings
{
    /// <summary><c>--horizontal-pod-autoscaler-tolerance</c>.</summary>
    public double Tolerance { get; init; } = 0.1;
    /// <summary><c>--horizontal-pod-autoscaler-cpu-initialization-period</c>.</summary>
    public TimeSpan CpuInitializationPeriod { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary><c>--horizontal-pod-autoscaler-initial-readiness-delay</c>.</summary>
    public TimeSpan InitialReadinessDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary><c>--horizontal-pod-autoscaler-downscale-stabilization</c>.</summary>
    public TimeSpan DownscaleStabilizationWindow { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary><c>--horizontal-pod-autoscaler-sync-period</c>.</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>horizontal.go's constants for the path without behavior: scale up to at most max(2 × current, 4).</summary>
    public const double ScaleUpLimitFactor = 2.0;
    public const double ScaleUpLimitMinimum = 4.0;
}
