using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;

namespace Infra.Rehearsal.Kubernetes;

public sealed class SimNode(int id, double readyAt, long allocatableCpuMilli, long allocatableMemoryMilli, long reservedCpuMilli, bool baseline)
{
    public int Id { get; } = id;
    public double ReadyAt { get; } = readyAt;
    public long AllocatableCpuMilli { get; } = allocatableCpuMilli;
    public long AllocatableMemoryMilli { get; } = allocatableMemoryMilli;
    /// <summary>Requests of pods that are not the workers' (daemon sets; cluster add-ons on the first nodes).</summary>
    public long ReservedCpuMilli { get; } = reservedCpuMilli;
    /// <summary>One of the node group's minimum nodes, which hold the add-ons and are never scaled in.</summary>
    public bool Baseline { get; } = baseline;
    public double? UnneededSince { get; set; }
    public bool Removed { get; set; }
    public bool Ready(double t) => !Removed && t >= ReadyAt;
}

/// <summary>A Deployment on the cluster: its pod template and the replica count the HPA set.</summary>
public sealed class SimDeployment(PodTemplate template, int replicas)
{
    public PodTemplate Template { get; } = template;
    public int Replicas { get; set; } = replicas;
}

public sealed class SimPod(int id, SimDeployment deployment, double createdAt)
{
    public int Id { get; } = id;
    public SimDeployment Deployment { get; } = deployment;
    public string Name => $"{Deployment.Template.Name}-{Id}";
    public double CreatedAt { get; } = createdAt;
    public SimNode? Node { get; set; }
    public double? StartedAt { get; set; }
    public double? ReadyAt { get; set; }
    public double? DrainingSince { get; set; }
    /// <summary>Millicores used in recent ticks, for the CPU metric metrics-server reports.</summary>
    public Queue<double> CpuHistory { get; } = new();

    public bool Ready(double t) => DrainingSince is null && ReadyAt is { } r && t >= r;
    public bool Started(double t) => StartedAt is { } s && t >= s;
}

/// <summary>
/// The workers' cluster: the Deployments' pods (the workers', and the API's with <c>web.platform: eks</c>: created,
/// bound by the scheduler to a node with room for their requests, started, ready after the readiness probe), the
/// managed node group they share, and the Cluster Autoscaler: every scan
/// interval it adds nodes for pods that cannot be scheduled (up to the group's maximum) and removes nodes that stayed
/// under the utilisation threshold for the unneeded time, not sooner than the delay after a scale-up.
/// </summary>
public sealed class ClusterModel
{
    private readonly WorkerTierPolicies _policy;
    private readonly ModelParameters _p;
    private readonly long _nodeCpu, _nodeMemory;
    private int _nextPod, _nextNode;
    private double _lastScaleUp = double.NegativeInfinity;

    /// <param name="api">The API's pod template and its starting replicas when the web tier runs on the cluster.</param>
    public ClusterModel(WorkerTierPolicies policy, ModelParameters p, (PodTemplate Pod, int Replicas)? api = null)
    {
        _policy = policy;
        _p = p;
        var spec = InstanceTypes.Of(policy.Nodes.InstanceType, $"node group {policy.Nodes.InstanceType}");
        _nodeCpu = spec.VCpus * 1000L - InstanceTypes.KubeReservedCpuMilli(spec.VCpus);
        // Memory: the EKS AMI reserves 255 MiB + 11 MiB per pod (110 pods) and evicts under 100 MiB free.
        _nodeMemory = (long)((spec.MemoryGiB * 1024 - 255 - 11 * 110 - 100 - p["nodes.systemMemoryMiB"]) * 1024 * 1024 * 1000);
        Workers = new SimDeployment(policy.Pod, policy.Hpa.MinReplicas ?? 1);
        Api = api is { } a ? new SimDeployment(a.Pod, a.Replicas) : null;
        var baseline = Math.Max(policy.Nodes.MinSize, 1);
        for (var i = 0; i < policy.Nodes.DesiredSize; i++) AddNode(-3600, i < baseline);
        foreach (var deployment in Deployments)
            for (var i = 0; i < deployment.Replicas; i++) Pods.Add(new SimPod(_nextPod++, deployment, -3600));
        Schedule(-3600);
        // The run starts from a settled cluster: the autoscaler long since added the nodes the starting pods need.
        while (Pending > 0 && NodesDesired < policy.Nodes.MaxSize) { AddNode(-3600, baseline: false); Schedule(-3600); }
        foreach (var pod in Pods.Where(x => x.Node is not null)) { pod.StartedAt = -3600; pod.ReadyAt = -3600; }
    }

    public SimDeployment Workers { get; }
    /// <summary>Null unless the web tier runs on the cluster.</summary>
    public SimDeployment? Api { get; }
    public IEnumerable<SimDeployment> Deployments => Api is null ? [Workers] : [Workers, Api];
    public List<SimPod> Pods { get; } = [];
    public IEnumerable<SimPod> PodsOf(SimDeployment deployment) => Pods.Where(p => p.Deployment == deployment);
    public List<SimNode> Nodes { get; } = [];
    public int NodesDesired => Nodes.Count(n => !n.Removed);
    public int ScaleUps { get; private set; }
    public int ScaleDowns { get; private set; }

    private SimNode AddNode(double readyAt, bool baseline)
    {
        var reserved = (long)_p["nodes.systemCpuMillicores"] + (baseline ? (long)(_p["cluster.addonsCpuMillicores"] / Math.Max(_policy.Nodes.MinSize, 1)) : 0);
        var node = new SimNode(_nextNode++, readyAt, _nodeCpu, _nodeMemory, reserved, baseline);
        Nodes.Add(node);
        return node;
    }

    private long FreeCpu(SimNode n) => n.AllocatableCpuMilli - n.ReservedCpuMilli - Pods.Where(p => p.Node == n).Sum(p => p.Deployment.Template.CpuRequestMilli);
    private long FreeMemory(SimNode n) => n.AllocatableMemoryMilli - Pods.Where(p => p.Node == n).Sum(p => p.Deployment.Template.MemoryRequestMilli);
    private bool Fits(SimNode n, PodTemplate pod) => FreeCpu(n) >= pod.CpuRequestMilli && FreeMemory(n) >= pod.MemoryRequestMilli;

    /// <summary>The HPA set the worker Deployment's replicas.</summary>
    public void SetReplicas(int replicas, double t) => SetReplicas(Workers, replicas, t);

    /// <summary>The HPA set a Deployment's replicas: the ReplicaSet creates pods, or removes pending ones first, then the newest.</summary>
    public void SetReplicas(SimDeployment deployment, int replicas, double t)
    {
        deployment.Replicas = replicas;
        var live = PodsOf(deployment).Where(p => p.DrainingSince is null).ToList();
        for (var i = live.Count; i < replicas; i++) Pods.Add(new SimPod(_nextPod++, deployment, t));
        foreach (var pod in live.OrderBy(p => p.Node is null ? 0 : p.Ready(t) ? 2 : 1).ThenByDescending(p => p.CreatedAt).Take(Math.Max(0, live.Count - replicas)))
        {
            if (pod.Node is null) Pods.Remove(pod);
            else pod.DrainingSince = t;
        }
    }

    /// <summary>One tick: drained pods leave, the scheduler binds pending pods (least allocated node first), pods start and turn ready.</summary>
    public void Step(double t)
    {
        Pods.RemoveAll(p => p.DrainingSince is { } d && t - d >= _p["pods.drainSeconds"]);
        Schedule(t);
        foreach (var pod in Pods)
        {
            if (pod.Node is null || pod.StartedAt is not null) continue;
            pod.StartedAt = t + _p["pods.startSeconds"];
            // The first readiness probe after its initial delay succeeds.
            pod.ReadyAt = pod.StartedAt + pod.Deployment.Template.ReadinessInitialDelaySeconds + pod.Deployment.Template.ReadinessPeriodSeconds;
        }
    }

    private void Schedule(double t)
    {
        foreach (var pod in Pods.Where(p => p.Node is null && p.DrainingSince is null))
        {
            var node = Nodes.Where(n => n.Ready(t) && Fits(n, pod.Deployment.Template)).OrderByDescending(FreeCpu).FirstOrDefault();
            if (node is null) continue;
            pod.Node = node;
        }
    }

    public int Pending => Pods.Count(p => p.Node is null && p.DrainingSince is null);

    /// <summary>A Cluster Autoscaler scan.</summary>
    public void Autoscale(double t)
    {
        var ca = _policy.ClusterAutoscaler;
        Schedule(t); // pods the scheduler can still place on ready nodes are not unschedulable
        var pending = Pods.Where(p => p.Node is null && p.DrainingSince is null).ToList();
        if (pending.Count > 0)
        {
            // Pods that will fit on nodes still booting do not ask for more nodes (first fit, as the binpacking estimator).
            var booting = Nodes.Where(n => !n.Removed && !n.Ready(t)).Select(n => (Cpu: FreeCpu(n), Memory: FreeMemory(n))).ToList();
            var fresh = new List<(long Cpu, long Memory)>();
            var freshCpu = _nodeCpu - (long)_p["nodes.systemCpuMillicores"];
            foreach (var pod in pending.Select(p => p.Deployment.Template))
            {
                if (Place(booting, pod) || Place(fresh, pod)) continue;
                fresh.Add((freshCpu - pod.CpuRequestMilli, _nodeMemory - pod.MemoryRequestMilli));
            }
            if (fresh.Count > 0)
            {
                var add = Math.Min(fresh.Count, _policy.Nodes.MaxSize - NodesDesired);
                for (var i = 0; i < add; i++) AddNode(t + _p["nodes.bootSeconds"], baseline: false);
                if (add > 0) { _lastScaleUp = t; ScaleUps++; }
            }
            return;
        }
        if (t - _lastScaleUp < ca.ScaleDownDelayAfterAddSeconds) return;
        foreach (var node in Nodes.Where(n => n.Ready(t) && !n.Baseline))
        {
            var used = node.AllocatableCpuMilli - FreeCpu(node);
            if (used / (double)node.AllocatableCpuMilli < ca.ScaleDownUtilizationThreshold) node.UnneededSince ??= t;
            else node.UnneededSince = null;
        }
        var candidate = Nodes.Where(n => n.Ready(t) && !n.Baseline && n.UnneededSince is { } since && t - since >= ca.ScaleDownUnneededSeconds)
            .OrderBy(n => Pods.Count(p => p.Node == n)).FirstOrDefault();
        if (candidate is null || NodesDesired <= _policy.Nodes.MinSize) return;
        // Its pods must fit elsewhere; evicted, they are recreated pending and scheduled again.
        var moving = Pods.Where(p => p.Node == candidate).ToList();
        var spare = Nodes.Where(n => n != candidate && n.Ready(t)).Select(n => (Cpu: FreeCpu(n), Memory: FreeMemory(n))).ToList();
        if (!moving.Where(p => p.DrainingSince is null).All(p => Place(spare, p.Deployment.Template))) return;
        candidate.Removed = true;
        ScaleDowns++;
        foreach (var pod in moving)
        {
            Pods.Remove(pod);
            if (pod.DrainingSince is null) Pods.Add(new SimPod(_nextPod++, pod.Deployment, t));
        }
    }

    /// <summary>First fit of one pod's requests into the free room of some nodes; takes the room when it fits.</summary>
    private static bool Place(List<(long Cpu, long Memory)> room, PodTemplate pod)
    {
        var i = room.FindIndex(r => r.Cpu >= pod.CpuRequestMilli && r.Memory >= pod.MemoryRequestMilli);
        if (i < 0) return false;
        room[i] = (room[i].Cpu - pod.CpuRequestMilli, room[i].Memory - pod.MemoryRequestMilli);
        return true;
    }
}
