using System.Globalization;
using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation.WebTiers;
using Workflows.LoadProfiles;
using Workflows.ScalingSignals;

namespace Infra.Rehearsal.Simulation;

/// <summary>
/// Replays a load profile against one environment's scaling policies, one tick at a time: virtual users (closed loop:
/// each waits for its answers, then thinks) make requests and executions; the web tier's instances serve the requests
/// as queues; the executions wait in the Redis stream for the worker pods; the service's signals reach CloudWatch
/// once a minute and become readable after the ingestion delay; the Auto Scaling group evaluates its alarms once a
/// minute (or, with <c>web.platform: eks</c>, the API's HPA syncs every 15 s and its pods share the workers' nodes),
/// the workers' HPA syncs every 15 s, the Cluster Autoscaler scans every 10 s. Deterministic: no randomness.
/// </summary>
public sealed class Rehearsal(ScalingPolicies policies, LoadProfile profile, Calibration calibration, ModelParameters p)
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public RehearsalResult Run(IProgress<double>? progress = null)
    {
        var dt = p["sim.tickSeconds"];
        var duration = profile.Duration.TotalSeconds;
        var sampleSeconds = Math.Max(dt, Math.Ceiling(duration / 4000 / dt) * dt);
        var ingest = p["cloudwatch.ingestDelaySeconds"];
        var workers = policies.Workers;
        var nodeSpec = InstanceTypes.Of(workers.Nodes.InstanceType, $"{policies.Environment}-workers node group");

        foreach (var r in profile.Requests)
            if (!calibration.Requests.ContainsKey(r.Name))
                throw new CalibrationException("calibration", $"requests.{r.Name}", $"the profile's request '{r.Name}' has no measured cost (measured: {string.Join(", ", calibration.Requests.Keys)})");

        // The signals as CloudWatch holds them.
        var signals = new Dictionary<string, MetricStream>
        {
            [Signals.QueueLength.Name] = new(Signals.PeriodSeconds, ingest),
            [Signals.ResponseTime.Name] = new(Signals.PeriodSeconds, ingest),
            [Signals.AverageResponseTime.Name] = new(Signals.PeriodSeconds, ingest),
        };
        var queue = new ExecutionQueue();
        var cluster = new ClusterModel(workers, p, policies.WebPods is { } pods ? PodWebTier.Deployment(pods) : null);
        IWebTier web = policies.Web is { } asgPolicies
            ? new AsgWebTier(asgPolicies, policies.Environment, p, signals, profile, calibration)
            : new PodWebTier(policies.WebPods ?? throw new ArgumentException($"{policies.Environment}: no web tier"), cluster, p, signals);
        var webLoad = web.Load;
        var workersHpa = new DeploymentHpa(cluster, cluster.Workers, workers.Hpa);
        var queueTarget = workers.Hpa.Metrics.FirstOrDefault(m => m.External is not null)?.External!.Target.AverageValue is { } av ? Quantity.Milli(av) / 1000.0 : 10;

        // Accumulators: the current CloudWatch minute, the whole run.
        var minuteQueue = 0.0; var minuteQueueTicks = 0;
        var minuteLatency = new WeightedHistogram();
        double minuteLatencySum = 0, minuteLatencyCount = 0;
        var overall = new WeightedHistogram();
        var byRequest = profile.Requests.ToDictionary(r => r.Name, _ => (Histogram: new WeightedHistogram(), Requests: 0.0, Failed: 0.0));
        var lastMeanLatency = profile.Requests.ToDictionary(r => r.Name, r => (calibration.Requests[r.Name].CpuMilliseconds + calibration.Requests[r.Name].WaitMilliseconds) / 1000);
        var series = new List<Sample>();
        var webOk = new List<(double T, bool Ok)>();
        var workersOk = new List<(double T, bool Ok)>();
        double totalRequests = 0, totalFailed = 0, maxWebCpu = 0, maxQueue = 0;
        int peakReady = 0, minReady = int.MaxValue, peakNodes = 0, minNodes = int.MaxValue, maxPending = 0;
        var sampleLatency = new WeightedHistogram();
        double sampleRequests = 0, sampleFailed = 0, sampleExecutions = 0;
        var cpuWindowTicks = Math.Max(1, (int)Math.Round(p["metrics.cpuWindowSeconds"] / dt));
        double? queueSeen = null;
        double workerCpu = 0;

        for (var t = 0.0; t < duration; t += dt)
        {
            // ---- users → requests (closed loop: a slow answer slows its user down) ----
            var users = profile.UsersAt(TimeSpan.FromSeconds(t));
            var iteration = profile.ThinkTimePerIteration.TotalSeconds + lastMeanLatency.Values.Sum();
            var loads = profile.Requests.Select(r => new WebTierLoad.RequestLoad(r.Name, users / iteration, calibration.Requests[r.Name])).ToList();
            var serving = web.Serving(t);
            var tick = webLoad.Step(loads, serving, dt);

            var executions = 0.0;
            foreach (var (request, outcome) in profile.Requests.Zip(tick.Requests))
            {
                var failed = outcome.Failed;
                // Past Queue:MaxBacklog execute answers 503 at once.
                if (request.StartsExecution && queue.Length >= p["service.maxBacklog"]) failed = outcome.Arrived;
                var ok = outcome.Arrived - failed;
                if (request.StartsExecution) executions += ok;
                var entry = byRequest[request.Name];
                byRequest[request.Name] = (entry.Histogram, entry.Requests + outcome.Arrived, entry.Failed + failed);
                totalRequests += outcome.Arrived;
                totalFailed += failed;
                sampleRequests += outcome.Arrived;
                sampleFailed += failed;
                foreach (var ((_, weight), latency) in WebTierLoad.Quantiles.Zip(outcome.LatencyMsAtQuantiles))
                {
                    entry.Histogram.Add(latency, ok * weight);
                    overall.Add(latency, ok * weight);
                    minuteLatency.Add(latency, ok * weight);
                    sampleLatency.Add(latency, ok * weight);
                    minuteLatencySum += latency * ok * weight;
                    minuteLatencyCount += ok * weight;
                }
                lastMeanLatency[request.Name] = WebTierLoad.Quantiles.Zip(outcome.LatencyMsAtQuantiles).Sum(x => x.First.Weight * x.Second) / 1000;
            }

            // ---- the stream and the workers ----
            queue.Arrive(t, executions);
            sampleExecutions += executions;
            var ready = cluster.PodsOf(cluster.Workers).Where(x => x.Ready(t)).ToList();
            var duration_s = Math.Max(calibration.Execution.DurationMilliseconds, 0.001) / 1000;
            var cpuMs = calibration.Execution.CpuMilliseconds / p["pods.speed"];
            double PodCores(SimPod pod) => Math.Min(workers.Pod.CpuLimitMilli,
                pod.Node is null ? 0 : (pod.Node.AllocatableCpuMilli - pod.Node.ReservedCpuMilli) / (double)Math.Max(1, cluster.Pods.Count(x => x.Node == pod.Node))) / 1000;
            var perPod = ready.Select(pod => Math.Min(workers.Concurrency / duration_s, cpuMs > 0 ? PodCores(pod) * 1000 / cpuMs : double.MaxValue)).ToList();
            var started = queue.Start(t, perPod.Sum() * dt);
            queue.SetRunning(started / dt * duration_s);
            var perPodRate = ready.Count > 0 ? started / dt / ready.Count : 0;
            foreach (var pod in cluster.PodsOf(cluster.Workers).Where(x => x.Started(t)))
            {
                var millicores = p["pods.idleCpuMillicores"] + (pod.Ready(t) ? perPodRate * cpuMs : 0);
                pod.CpuHistory.Enqueue(millicores);
                while (pod.CpuHistory.Count > cpuWindowTicks) pod.CpuHistory.Dequeue();
            }
            workerCpu = ready.Count > 0 ? (p["pods.idleCpuMillicores"] + perPodRate * cpuMs) / workers.Pod.CpuRequestMilli * 100 : 0;

            // ---- what CloudWatch receives ----
            minuteQueue += queue.Length; minuteQueueTicks++;
            web.Observe(t, dt, tick, loads.Sum(l => l.PerSecond), serving);
            var next = t + dt;
            if (Math.Floor(next / 60) > Math.Floor(t / 60))
            {
                var end = Math.Floor(next / 60) * 60;
                signals[Signals.QueueLength.Name].Add(end, minuteQueue / Math.Max(1, minuteQueueTicks));
                if (minuteLatency.Total > 0)
                {
                    signals[Signals.ResponseTime.Name].Add(end, minuteLatency.Quantile(0.95));
                    signals[Signals.AverageResponseTime.Name].Add(end, minuteLatencySum / minuteLatencyCount);
                }
                minuteQueue = 0; minuteQueueTicks = 0;
                minuteLatency.Clear(); minuteLatencySum = 0; minuteLatencyCount = 0;
                web.MinuteEnded(end);
            }
            // ---- the web tier's scaler: EC2 Auto Scaling launches and terminates, or the API's HPA syncs ----
            web.Step(t);

            // ---- Kubernetes: the workers' HPA syncs every 15 s, the Cluster Autoscaler scans ----
            if (t % 15 < dt)
            {
                var metrics = new SimulatedHpaMetrics(cluster, workers, signals, t, Epoch, p["metrics.cpuWindowSeconds"]);
                workersHpa.Sync(metrics, Epoch + TimeSpan.FromSeconds(t), t);
                queueSeen = metrics.ExternalMetric(workers.ExternalMetrics.Keys.FirstOrDefault() ?? "") is { Count: > 0 } seen ? seen[0] / 1000.0 : null;
            }
            if (t % workers.ClusterAutoscaler.ScanIntervalSeconds < dt) cluster.Autoscale(t);
            cluster.Step(t);

            // ---- what the report needs ----
            var readyNow = cluster.PodsOf(cluster.Workers).Count(x => x.Ready(t));
            var nodesReady = cluster.Nodes.Count(n => n.Ready(t));
            peakReady = Math.Max(peakReady, readyNow); minReady = Math.Min(minReady, readyNow);
            peakNodes = Math.Max(peakNodes, nodesReady); minNodes = Math.Min(minNodes, nodesReady);
            maxPending = Math.Max(maxPending, cluster.Pending);
            maxWebCpu = Math.Max(maxWebCpu, tick.CpuPercent);
            maxQueue = Math.Max(maxQueue, queue.Length);
            webOk.Add((t, web.Enough(tick, serving)));
            workersOk.Add((t, queue.OldestWait(t) <= 5));

            if (t % sampleSeconds < dt)
            {
                series.Add(new Sample
                {
                    T = t, Users = users,
                    RequestsPerSecond = sampleRequests / sampleSeconds, ExecutionsPerSecond = sampleExecutions / sampleSeconds,
                    WebDesired = web.Desired, WebInService = web.InService(t), WebServing = serving, WebCpuPercent = tick.CpuPercent,
                    LatencyP50Ms = sampleLatency.Quantile(0.5), LatencyP95Ms = sampleLatency.Quantile(0.95),
                    ErrorRate = sampleRequests > 0 ? sampleFailed / sampleRequests : 0,
                    QueueLength = queue.Length, QueueLengthSeen = queueSeen, QueueWaitSeconds = queue.OldestWait(t),
                    WorkersDesired = workersHpa.Desired, WorkersReady = readyNow, PodsPending = cluster.Pending, WorkerCpuPercentOfRequest = workerCpu,
                    NodesDesired = cluster.NodesDesired, NodesReady = nodesReady,
                });
                sampleLatency.Clear(); sampleRequests = 0; sampleFailed = 0; sampleExecutions = 0;
            }
            if (progress is not null && (int)(t / dt) % 500 == 0) progress.Report(t / duration);
        }
        progress?.Report(1);

        var end_ = duration;
        var waitP95 = queue.WaitQuantile(0.95, end_);
        var latencyP95 = overall.Quantile(0.95);
        var errorRate = totalRequests > 0 ? totalFailed / totalRequests : 0;
        string Seconds(double? s) => s is { } v ? $"{v:0} s" : "never";
        string F(double v, string format = "0") => v.ToString(format, CultureInfo.InvariantCulture);

        return new RehearsalResult
        {
            Environment = policies.Environment,
            Profile = profile.Name,
            DurationSeconds = duration,
            SampleSeconds = sampleSeconds,
            Series = series,
            WebUnit = web.Unit,
            Tiers =
            [
                new(web.Title, [
                    web.ReportRows()[0],
                    ("desired capacity, peak", $"{series.Max(s => s.WebDesired)} (max {web.MaxCapacity})"),
                    .. web.ReportRows().Skip(1),
                    ("time from a load step to enough capacity", Seconds(TimeToCapacity(webOk))),
                    ("CPU peak", $"{F(maxWebCpu)} %"),
                    ("latency p95 (all requests)", $"{F(latencyP95)} ms"),
                    ("requests failed", $"{F(totalFailed)} of {F(totalRequests)} ({F(errorRate * 100, "0.00")} %)"),
                ]),
                new("workers (KEDA → HPA)", [
                    ("pods ready, min / peak", $"{minReady} / {peakReady}"),
                    ("HPA desired, peak", $"{series.Max(s => s.WorkersDesired)} (max {workers.Hpa.MaxReplicas})"),
                    ("time from a load step to enough capacity", Seconds(TimeToCapacity(workersOk))),
                    ("QueueLength peak", F(maxQueue)),
                    ("queue wait p95 / max", $"{F(waitP95, "0.0")} s / {F(queue.MaxWait(end_), "0.0")} s"),
                    ("executions started", $"{F(queue.TotalStarted)} of {F(queue.TotalArrived)}"),
                ]),
                new("nodes (Cluster Autoscaler)", [
                    ("nodes ready, min / peak", $"{minNodes} / {peakNodes} (max {workers.Nodes.MaxSize})"),
                    ("pods pending, peak", $"{maxPending}"),
                    ("scale-ups / scale-downs", $"{cluster.ScaleUps} / {cluster.ScaleDowns}"),
                ]),
            ],
            Slo =
            [
                new("latency p95", latencyP95, profile.Thresholds.LatencyP95Milliseconds, "ms"),
                new("error rate", errorRate * 100, profile.Thresholds.ErrorRate * 100, "%"),
                new("queue wait p95", waitP95, profile.Thresholds.QueueWaitP95Seconds, "s"),
            ],
            Policies = [.. web.Describe(), .. Describe()],
            Findings = [.. web.Findings(), .. web.OutcomeFindings(series, maxWebCpu), .. OutcomeFindings(series)],
            Assumptions = [
                $"calibration: measured on {calibration.MeasuredOn} ({calibration.MeasuredAt})",
                $"{web.Assumption}; nodes: {workers.Nodes.InstanceType} = {nodeSpec.VCpus} vCPU",
                .. ModelParameters.All.Select(d => $"{d.Key} = {p[d.Key].ToString(CultureInfo.InvariantCulture)}{(p[d.Key] != d.Default ? " (set)" : "")}"),
            ],
            Requests = byRequest.Select(kv => (kv.Key, kv.Value.Histogram.Quantile(0.5), kv.Value.Histogram.Quantile(0.95), kv.Value.Histogram.Quantile(0.99), kv.Value.Requests, kv.Value.Failed)).ToList(),
            QueueLengthTarget = queueTarget,
            LatencyThresholdMs = profile.Thresholds.LatencyP95Milliseconds,
        };
    }

    /// <summary>
    /// For every stage that raises the users: from its start, how long until the tier had enough capacity again after
    /// it first ran short (0 when it never ran short; null when it never recovered before the next stage ends). The worst.
    /// </summary>
    private double? TimeToCapacity(List<(double T, bool Ok)> ok)
    {
        double worst = 0;
        double start = 0, previous = 0;
        var stages = profile.Stages.ToList();
        for (var i = 0; i < stages.Count; i++)
        {
            var stageStart = start;
            var stageEnd = start + stages[i].Duration.TotalSeconds;
            var horizon = i + 1 < stages.Count ? stageEnd + stages[i + 1].Duration.TotalSeconds : stageEnd;
            start = stageEnd;
            var rising = stages[i].Target > previous;
            previous = stages[i].Target;
            if (!rising) continue;
            var window = ok.Where(x => x.T >= stageStart && x.T < horizon).ToList();
            var firstShort = window.FindIndex(x => !x.Ok);
            if (firstShort < 0) continue;
            var recovered = window.Skip(firstShort).FirstOrDefault(x => x.Ok);
            if (recovered == default) return null;
            worst = Math.Max(worst, recovered.T - stageStart);
        }
        return worst;
    }

    /// <summary>The workers' and the nodes' policies (the web tier describes its own).</summary>
    private List<string> Describe()
    {
        var w = policies.Workers;
        return
        [
            $"workers: {w.Pod.Deployment} {w.Hpa.MinReplicas}-{w.Hpa.MaxReplicas} pods ({Quantity.FromMilli(w.Pod.CpuRequestMilli)} CPU requested, limit {Quantity.FromMilli(w.Pod.CpuLimitMilli)}, concurrency {w.Concurrency})" +
                (w.KedaPollingIntervalSeconds is { } poll ? $", KEDA polling {poll} s" : ""),
            .. HpaDescription.Lines("workers", w.Hpa, w.ExternalMetrics),
            $"nodes: {w.Nodes.InstanceType} {w.Nodes.MinSize}-{w.Nodes.MaxSize} (desired {w.Nodes.DesiredSize}); Cluster Autoscaler scan {w.ClusterAutoscaler.ScanIntervalSeconds} s, " +
                $"scale-down after {w.ClusterAutoscaler.ScaleDownUnneededSeconds} s under {w.ClusterAutoscaler.ScaleDownUtilizationThreshold:P0}, delay after add {w.ClusterAutoscaler.ScaleDownDelayAfterAddSeconds} s, expander {w.ClusterAutoscaler.Expander}",
        ];
    }

    /// <summary>What the run showed about the workers' policies.</summary>
    private IEnumerable<string> OutcomeFindings(List<Sample> series)
    {
        if (series.FirstOrDefault(s => s.WorkersDesired >= policies.Workers.Hpa.MaxReplicas) is { } workersAtMax)
            yield return $"The worker HPA reached maxReplicas {policies.Workers.Hpa.MaxReplicas} at minute {workersAtMax.T / 60:0.#}.";
    }
}
