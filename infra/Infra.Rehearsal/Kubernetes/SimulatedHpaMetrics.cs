using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Policies;

namespace Infra.Rehearsal.Kubernetes;

/// <summary>
/// The metrics APIs as the HPA KEDA generated would query them in the simulated cluster: metrics.k8s.io answers each
/// started pod's CPU averaged over the metrics window (sampled now), and external.metrics.k8s.io answers KEDA's
/// CloudWatch query: the newest readable datapoint of the signal within its collection time, or nothing (an error when
/// ignoreNullValues is false, else the trigger's minimum value).
/// </summary>
public sealed class SimulatedHpaMetrics(ClusterModel cluster, WorkerTierPolicies policy, IReadOnlyDictionary<string, MetricStream> signals,
    double t, DateTimeOffset epoch, double cpuWindowSeconds) : IHpaMetrics
{
    private DateTimeOffset At(double seconds) => epoch + TimeSpan.FromSeconds(seconds);

    public IReadOnlyList<PodInfo> Pods { get; } = cluster.Pods.Select(p => new PodInfo(
        p.Name,
        p.Started(t) ? PodPhase.Running : PodPhase.Pending,
        p.Started(t) ? p.ReadyAt <= t : null,
        p.DrainingSince is not null,
        p.Started(t) ? epoch + TimeSpan.FromSeconds(p.StartedAt!.Value) : null,
        p.ReadyAt is { } r && r <= t ? epoch + TimeSpan.FromSeconds(r) : null,
        [new ContainerInfo("worker", new Dictionary<string, long> { ["cpu"] = policy.CpuRequestMilli, ["memory"] = policy.MemoryRequestMilli })])).ToList();

    public IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container)
    {
        if (resource != "cpu") return null; // memory is not modelled: a memory trigger fails like a missing metric
        var result = cluster.Pods.Where(p => p.Started(t) && p.CpuHistory.Count > 0)
            .ToDictionary(p => p.Name, p => new PodMetric((long)Math.Round(p.CpuHistory.Average()), At(t), TimeSpan.FromSeconds(cpuWindowSeconds)));
        return result.Count > 0 ? result : null;
    }

    public IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name) => null;

    public long? ObjectMetric(string name) => null;

    public IReadOnlyList<long>? ExternalMetric(string name)
    {
        if (!policy.ExternalMetrics.TryGetValue(name, out var query) || !signals.TryGetValue(query.Signal, out var stream)) return null;
        var cutoff = t - query.EndTimeOffsetSeconds;
        var latest = stream.Visible(cutoff).Where(p => p.PeriodEnd >= cutoff - query.CollectionSeconds).Select(p => (double?)p.Value).LastOrDefault();
        if (latest is null) return query.IgnoreNullValues ? [(long)(query.MinMetricValue * 1000)] : null;
        return [(long)Math.Ceiling(latest.Value * 1000)];
    }
}
