using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;

namespace Infra.Rehearsal.Simulation.WebTiers;

/// <summary>
/// <c>web.platform: eks</c>: the API's pods on the workers' cluster (sharing its nodes and Cluster Autoscaler), scaled
/// by their HPA every 15 s on metrics-server's CPU and memory, and routed to by the ALB once the Load Balancer
/// Controller registered a ready pod and the target group's health checks passed. Each pod computes with its CPU
/// limit; its working set is the model parameter <c>webPods.memoryMiB</c> (the API's memory does not follow load).
/// </summary>
public sealed class PodWebTier : IWebTier
{
    private readonly WebPodPolicies _web;
    private readonly ClusterModel _cluster;
    private readonly SimDeployment _deployment;
    private readonly ModelParameters _p;
    private readonly IReadOnlyDictionary<string, MetricStream> _signals;
    private readonly DeploymentHpa _hpa;
    private readonly long _coresMilli, _memoryMilli;
    private readonly int _cpuWindowTicks;
    private int _minServing = int.MaxValue, _peakServing;
    private static readonly IReadOnlyDictionary<string, CloudWatchQuery> NoExternalMetrics = new Dictionary<string, CloudWatchQuery>();

    public PodWebTier(WebPodPolicies web, ClusterModel cluster, ModelParameters p, IReadOnlyDictionary<string, MetricStream> signals)
    {
        (_web, _cluster, _p, _signals) = (web, cluster, p, signals);
        _deployment = cluster.Api ?? throw new ArgumentException("the cluster model holds no API Deployment", nameof(cluster));
        _hpa = new DeploymentHpa(cluster, _deployment, web.Hpa);
        _coresMilli = web.Pod.CpuLimitMilli != long.MaxValue ? web.Pod.CpuLimitMilli : web.Pod.CpuRequestMilli;
        _memoryMilli = (long)(p["webPods.memoryMiB"] * 1024 * 1024 * 1000);
        _cpuWindowTicks = Math.Max(1, (int)Math.Round(p["metrics.cpuWindowSeconds"] / p["sim.tickSeconds"]));
        // An M/M/c queue needs whole servers: a pod limited to 1.5 cores is 2 servers at 0.75 speed, 500m is 1 at 0.5.
        var servers = Math.Max(1, (int)Math.Round(_coresMilli / 1000.0));
        Load = new WebTierLoad(servers, _coresMilli / 1000.0 / servers * p["pods.speed"], p["web.idleCpuPercent"], p["web.requestTimeoutSeconds"], p["web.networkMilliseconds"]);
    }

    /// <summary>The pods and the starting replicas the cluster model needs for the API Deployment.</summary>
    public static (PodTemplate Pod, int Replicas) Deployment(WebPodPolicies web) => (web.Pod, web.Hpa.MinReplicas ?? 1);

    public string Title => "web (EKS pods, HPA)";
    public string Unit => "pods";
    public int MaxCapacity => _web.Hpa.MaxReplicas;
    public int Desired => _hpa.Desired;
    public WebTierLoad Load { get; }
    private double CpuTarget => _web.Hpa.Metrics.FirstOrDefault(m => m.Resource?.Name == "cpu")?.Resource!.Target.AverageUtilization ?? 100;
    private int? MemoryTarget => _web.Hpa.Metrics.FirstOrDefault(m => m.Resource?.Name == "memory")?.Resource!.Target.AverageUtilization;

    private IEnumerable<SimPod> Pods => _cluster.PodsOf(_deployment);
    // The controller registers a pod once it is ready; the target group routes to it after its health checks pass.
    private bool Routed(SimPod pod, double t) => pod.Ready(t) && t >= pod.ReadyAt!.Value + _web.HealthCheckIntervalSeconds * _web.HealthyThresholdCount;

    public int Serving(double t) => Pods.Count(x => Routed(x, t));
    public int InService(double t) => Pods.Count(x => x.Ready(t));

    public void Observe(double t, double dt, WebTierLoad.Tick tick, double requestsPerSecond, int serving)
    {
        var idle = _p["web.idleCpuPercent"] / 100 * _coresMilli;
        foreach (var pod in Pods.Where(x => x.Started(t)))
        {
            pod.CpuHistory.Enqueue(Routed(pod, t) ? tick.CpuPercent / 100 * _coresMilli : idle);
            while (pod.CpuHistory.Count > _cpuWindowTicks) pod.CpuHistory.Dequeue();
        }
        _minServing = Math.Min(_minServing, serving); _peakServing = Math.Max(_peakServing, serving);
    }

    public void MinuteEnded(double end) { }

    public void Step(double t)
    {
        if (t % 15 >= _p["sim.tickSeconds"]) return; // the HPA controller syncs every 15 s
        var metrics = new SimulatedHpaMetrics(_cluster, _deployment, NoExternalMetrics, _signals, t,
            Simulation.Rehearsal.Epoch, _p["metrics.cpuWindowSeconds"], _memoryMilli);
        _hpa.Sync(metrics, Simulation.Rehearsal.Epoch + TimeSpan.FromSeconds(t), t);
    }

    // The HPA's CPU target is a share of the request; the queueing model's utilisation is a share of the limit.
    public bool Enough(WebTierLoad.Tick tick, int serving) =>
        tick.Utilization * _coresMilli / Math.Max(1, _web.Pod.CpuRequestMilli) * 100 <= CpuTarget && tick.BacklogSeconds == 0 && serving > 0;

    public IReadOnlyList<(string Name, string Value)> ReportRows() =>
    [
        ("pods serving, min / peak", $"{_minServing} / {_peakServing}"),
        ("HPA scale-ups / scale-downs", $"{_hpa.ScaleUps} / {_hpa.ScaleDowns}"),
    ];

    public IEnumerable<string> Describe()
    {
        var pod = _web.Pod;
        yield return $"web: {pod.Deployment} {_web.Hpa.MinReplicas}-{_web.Hpa.MaxReplicas} pods on the workers' nodes ({Quantity.FromMilli(pod.CpuRequestMilli)} CPU requested, " +
            $"limit {(pod.CpuLimitMilli == long.MaxValue ? "none" : Quantity.FromMilli(pod.CpuLimitMilli))}), target group healthy after {_web.HealthyThresholdCount} × {_web.HealthCheckIntervalSeconds} s";
        foreach (var line in HpaDescription.Lines("web", _web.Hpa, NoExternalMetrics)) yield return line;
    }

    public IEnumerable<string> Findings()
    {
        if (MemoryTarget is { } target && _web.Pod.MemoryRequestMilli > 0)
        {
            var share = _memoryMilli * 100.0 / _web.Pod.MemoryRequestMilli;
            if (share > target)
                yield return $"The API pods' working set ({_p["webPods.memoryMiB"]:0} MiB, webPods.memoryMiB) is {share:0} % of their memory request, above the HPA's memory target of {target} %: " +
                    $"memory alone keeps asking for more pods, up to maxReplicas {_web.Hpa.MaxReplicas}. Raise the request or the target.";
        }
    }

    public IEnumerable<string> OutcomeFindings(IReadOnlyList<Sample> series, double maxCpuPercent)
    {
        if (series.FirstOrDefault(s => s.WebDesired >= _web.Hpa.MaxReplicas) is { } atMax)
            yield return $"The API HPA reached maxReplicas {_web.Hpa.MaxReplicas} at minute {atMax.T / 60:0.#} with CPU peaking at {maxCpuPercent:0} % of the pods' limit.";
    }

    public string Assumption =>
        $"web pods: {Quantity.FromMilli(_coresMilli)} CPU each at speed {_p["pods.speed"]}, working set {_p["webPods.memoryMiB"]} MiB";
}
