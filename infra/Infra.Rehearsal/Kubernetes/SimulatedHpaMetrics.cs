using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Policies;

namespace Infra.Rehearsal.Kubernetes;

/// <summary>
/// The metrics APIs as one HPA would query them in the simulated cluster, for its target Deployment's pods:
/// metrics.k8s.io answers each started pod's CPU averaged over the metrics window (sampled now) and, when the model
/// gives the Deployment a memory figure, its working set; external.metrics.k8s.io answers KEDA's CloudWatch query: the
/// newest readable datapoint of the signal within its collection time, or nothing (an error when ignoreNullValues is
/// false, else the trigger's minimum value).
/// </summary>
/// <param name="memoryMilli">The working set of one started pod, in milli-bytes; null when memory is not modelled
/// (a memory metric then fails like a missing metric).</param>
public sealed class SimulatedHpaMetrics(ClusterModel cluster, SimDeployment target, IReadOnlyDictionary<string, CloudWatchQuery> external,
    IReadOnlyDictionary<string, MetricStream> signals, double t, DateTimeOffset epoch, double cpuWindowSeconds, long? memoryMilli = null) : IHpaMetrics
{
    private DateTimeOffset At(double seconds) => epoch + TimeSpan.FromSeconds(seconds);

    /// <summary>The worker Deployment's HPA.</summary>
    public SimulatedHpaMetrics(ClusterModel cluster, WorkerTierPolicies policy, IReadOnlyDictionary<string, MetricStream> signals, double t, DateTimeOffset epoch, double cpuWindowSeconds)
        : this(cluster, cluster.Workers, policy.ExternalMetrics, signals, t, epoch, cpuWindowSeconds) { }

    public IReadOnlyList<PodInfo> Pods { get; } = cluster.PodsOf(target).Select(p => new PodInfo(
        p.Name,
        p.Started(t) ? PodPhase.Running : PodPhase.Pending,
        p.Started(t) ? p.ReadyAt <= t : null,
        p.DrainingSince is not null,
        p.Started(t) ? epoch + TimeSpan.FromSeconds(p.StartedAt!.Value) : null,
        p.ReadyAt is { } r && r <= t ? epoch + TimeSpan.FromSeconds(r) : null,
        [new ContainerInfo(target.Template.Name, new Dictionary<string, long> { ["cpu"] = target.Template.CpuRequestMilli, ["memory"] = target.Template.MemoryRequestMilli })])).ToList();

    public IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container)
    {
        var started = cluster.PodsOf(target).Where(p => p.Started(t)).ToList();
        var result = resource switch
        {
            "cpu" => started.Where(p => p.CpuHistory.Count > 0)
                .ToDictionary(p => p.Name, p => new PodMetric((long)Math.Round(p.CpuHistory.Average()), At(t), TimeSpan.FromSeconds(cpuWindowSeconds))),
            "memory" when memoryMilli is { } m => started.ToDictionary(p => p.Name, p => new PodMetric(m, At(t), TimeSpan.FromSeconds(cpuWindowSeconds))),
            _ => [],
        };
        return result.Count > 0 ? result : null;
    }

    public IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name) => null;

    public long? ObjectMetric(string name) => null;

    public IReadOnlyList<long>? ExternalMetric(string name)
    {
        if (!external.TryGetValue(name, out var query) || !signals.TryGetValue(query.Signal, out var stream)) return null;
        var cutoff = t - query.EndTimeOffsetSeconds;
        var latest = stream.Visible(cutoff).Where(p => p.PeriodEnd >= cutoff - query.CollectionSeconds).Select(p => (double?)p.Value).LastOrDefault();
        if (latest is null) return query.IgnoreNullValues ? [(long)(query.MinMetricValue * 1000)] : null;
        return [(long)Math.Ceiling(latest.Value * 1000)];
    }
}
