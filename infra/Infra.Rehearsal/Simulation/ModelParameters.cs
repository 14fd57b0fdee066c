using System.Globalization;

namespace Infra.Rehearsal.Simulation;

/// <summary>
/// The rehearsal's named parameters: every number the model needs that is neither in the templates nor in the
/// calibration file. Where AWS or Kubernetes documents a value it is the default and the source is cited; where they do
/// not, the default is a stated estimate. Each can be changed with <c>--set key=value</c>.
/// </summary>
public sealed class ModelParameters
{
    public sealed record Definition(string Key, double Default, string Meaning);

    public static readonly IReadOnlyList<Definition> All =
    [
        // CloudWatch
        new("cloudwatch.ingestDelaySeconds", 60, "seconds from the end of a metric period until alarms and KEDA can read its datapoint (not documented by AWS; one period is the usual estimate)"),
        // EC2 target tracking: the alarms AWS creates (not documented; seen in every published console capture)
        new("tt.highDatapoints", 3, "target tracking scale-out alarm: this many consecutive breaching datapoints (AlarmHigh, 3 of 3)"),
        new("tt.lowDatapoints", 15, "target tracking scale-in alarm: this many consecutive datapoints below the low threshold (AlarmLow, 15 of 15)"),
        new("tt.lowThresholdFactor", 0.9, "target tracking scale-in threshold as a fraction of the target (AWS: 'usually more than 10 % lower')"),
        // The web tier's instances
        new("web.instanceBootSeconds", 90, "from launch to the service answering: EC2 boot, image pull, container start (not documented; measure yours)"),
        new("web.instanceSpeed", 1.0, "per-core speed of the web instance type relative to the machine the calibration was measured on"),
        new("web.idleCpuPercent", 2, "CPU an idle instance shows (OS, agent, Docker)"),
        new("web.networkMilliseconds", 5, "latency a request has in AWS and not on the calibration machine: the ALB hop and the DocumentDB/ElastiCache round trips (an estimate)"),
        new("web.requestTimeoutSeconds", 60, "a request waiting longer fails (the ALB idle timeout and k6's default are both 60 s)"),
        // Pods and nodes
        new("pods.startSeconds", 20, "from a pod bound to a node to its container running (image cached on the node; not a platform constant)"),
        new("pods.idleCpuMillicores", 10, "CPU an idle worker pod uses"),
        new("pods.speed", 1.0, "per-core speed of the node instance type relative to the calibration machine"),
        new("pods.drainSeconds", 25, "a pod removed by a scale-in keeps running its executions this long (the service's shutdown grace)"),
        new("nodes.bootSeconds", 90, "from the Cluster Autoscaler raising the node group to the node Ready (EC2 boot + kubelet join; not documented, 45-120 s reported)"),
        new("nodes.systemCpuMillicores", 125, "CPU requested on every node by daemon sets (aws-node 25m, kube-proxy 100m)"),
        new("nodes.systemMemoryMiB", 600, "memory requested on every node by daemon sets and the kubelet's eviction threshold"),
        new("cluster.addonsCpuMillicores", 1000, "CPU requested by cluster add-ons (CoreDNS, metrics-server, KEDA, Cluster Autoscaler) on the first nodes"),
        new("webPods.memoryMiB", 220, "working set of one API pod (web.platform: eks), which the memory metric of its HPA reads: the API process's peak RSS under bench/curve.sh (up to 200 connections, 2-core machine) was 219 MiB; its caches are bounded, so it does not follow load"),
        new("metrics.cpuWindowSeconds", 30, "the CPU usage metrics-server reports is the average over about this long (15 s window + 15 s scrape)"),
        // The service
        new("service.maxBacklog", 10000, "Queue:MaxBacklog: at this QueueLength execute answers 503"),
        new("service.publishIntervalSeconds", 60, "Metrics:PublishIntervalSeconds: how often each process publishes its signals"),
        // The simulation itself
        new("sim.tickSeconds", 1, "simulation step (seconds)"),
    ];

    private readonly Dictionary<string, double> _values = All.ToDictionary(d => d.Key, d => d.Default);

    public double this[string key] => _values[key];

    public bool IsKnown(string key) => _values.ContainsKey(key);

    public void Set(string key, string value)
    {
        if (!_values.ContainsKey(key)) throw new ArgumentException($"unknown parameter '{key}'");
        _values[key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new ArgumentException($"{key}={value}: not a number of 0 or more");
    }

    /// <summary>Parameters changed from their defaults, for the report.</summary>
    public IEnumerable<(string Key, double Value)> Changed() =>
        All.Where(d => _values[d.Key] != d.Default).Select(d => (d.Key, _values[d.Key]));
}
