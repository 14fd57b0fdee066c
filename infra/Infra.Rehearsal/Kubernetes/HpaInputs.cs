namespace Infra.Rehearsal.Kubernetes;

public enum PodPhase { Pending, Running, Succeeded, Failed, Unknown }

/// <summary>One container's requests in milli-units per resource (cpu, memory).</summary>
public sealed record ContainerInfo(string Name, IReadOnlyDictionary<string, long> RequestsMilli);

/// <summary>A pod as the HPA controller sees it when it lists the target's pods.</summary>
/// <param name="Ready">The Ready condition's status; null when the pod has no Ready condition.</param>
public sealed record PodInfo(
    string Name,
    PodPhase Phase,
    bool? Ready,
    bool Deleting,
    DateTimeOffset? StartTime,
    DateTimeOffset? ReadyTransitionTime,
    IReadOnlyList<ContainerInfo> Containers);

/// <summary>One pod's sample from a metrics API, in milli-units.</summary>
public sealed record PodMetric(long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>
/// What the metrics APIs answer for one HPA's target. A null answer is an API error (no items returned, or a fetch
/// failure), which makes that metric invalid exactly as in Kubernetes.
/// </summary>
public interface IHpaMetrics
{
    /// <summary>Pods matched by the target's selector.</summary>
    IReadOnlyList<PodInfo> Pods { get; }

    /// <summary>metrics.k8s.io: per pod, the sum over its containers of <paramref name="resource"/>, or one container's.</summary>
    IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container);

    /// <summary>custom.metrics.k8s.io for pods.</summary>
    IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name);

    /// <summary>custom.metrics.k8s.io for one object.</summary>
    long? ObjectMetric(string name);

    /// <summary>external.metrics.k8s.io: the values returned, which the controller sums.</summary>
    IReadOnlyList<long>? ExternalMetric(string name);
}

/// <summary>A recommendation the controller remembered (the stabilization windows read these).</summary>
public sealed record Recommendation(int Replicas, DateTimeOffset Timestamp);

/// <summary>A rescale the controller made (the behavior policies' periods read these). Change is a magnitude.</summary>
public sealed class ScaleEvent(int replicaChange, DateTimeOffset timestamp)
{
    public int ReplicaChange { get; set; } = replicaChange;
    public DateTimeOffset Timestamp { get; set; } = timestamp;
    public bool Outdated { get; set; }
}

/// <summary>The controller's in-memory state for one HPA key (never persisted by Kubernetes either).</summary>
public sealed class HpaState
{
    /// <summary>Null until the first sync records the current replica count (recordInitialRecommendation).</summary>
    public List<Recommendation>? Recommendations { get; set; }
    public List<ScaleEvent> ScaleUpEvents { get; } = [];
    public List<ScaleEvent> ScaleDownEvents { get; } = [];
}

/// <summary>A Kubernetes condition on the HPA status.</summary>
public sealed record HpaCondition(string Type, string Status, string Reason);

/// <summary>What one metric computed (status.currentMetrics), or why it failed.</summary>
public sealed record MetricResult(string Type, string Name, int? Replicas, int? Utilization, long? AverageValueMilli, long? ValueMilli, string? Error);

/// <summary>The outcome of one controller sync.</summary>
/// <param name="DesiredReplicas">status.desiredReplicas after the sync (the new scale when it rescaled).</param>
/// <param name="Recommendation">The replica count computed from the metrics, before stabilization, behavior and clamps.</param>
public sealed record HpaDecision(int DesiredReplicas, int? Recommendation, bool Rescale, IReadOnlyList<MetricResult> Metrics, IReadOnlyList<HpaCondition> Conditions);
