namespace Infra.Rehearsal.Kubernetes;

/// <summary>
/// Kubernetes' replica_calculator.go for one metric, in its arithmetic: milli-unit integers, integer division where Go
/// divides integers, float64 ratios, <c>ceil</c> on products, per-direction tolerances (KEP-4951), and the handling of
/// unready and missing pods. Every method returns the proposed replica count or throws <see cref="MetricUnavailableException"/>.
/// </summary>
public sealed class ReplicaCalculator(HpaControllerSettings settings, DateTimeOffset now)
{
    public readonly record struct Tolerances(double ScaleDown, double ScaleUp)
    {
        public bool IsWithin(double usageRatio) => 1.0 - ScaleDown <= usageRatio && usageRatio <= 1.0 + ScaleUp;
    }

    private static int Ceil(double x) => x > int.MaxValue ? int.MaxValue : (int)Math.Ceiling(x);

    /// <summary>GetResourceReplicas: a Resource or ContainerResource metric with a Utilization target.</summary>
    public (int Replicas, int Utilization, long RawAverage) ResourceReplicas(
        int current, int targetUtilization, string resource, string? container, IHpaMetrics source, Tolerances tol)
    {
        var sampled = source.Resource(resource, container) ?? throw new MetricUnavailableException("no metrics returned from resource metrics API");
        var pods = source.Pods;
        if (pods.Count == 0) throw new MetricUnavailableException("no pods returned by selector while calculating replica count");
        var (ready, unready, missing, ignored) = GroupPods(pods, sampled, resource);
        var metrics = sampled.Where(m => !ignored.Contains(m.Key) && !unready.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value.ValueMilli);
        if (metrics.Count == 0) throw new MetricUnavailableException("did not receive metrics for targeted pods (pods might be unready)");
        var requests = Requests(pods, container, resource);

        var (usageRatio, utilization, raw) = UtilizationRatio(metrics, requests, targetUtilization);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
            return (tol.IsWithin(usageRatio) ? current : Ceil(usageRatio * ready), utilization, raw);

        if (missing.Count > 0)
        {
            if (usageRatio < 1.0)
            {
                // Scale-down: assume missing pods use max(100 %, target) of their request.
                long fallback = Math.Max(100, targetUtilization);
                foreach (var name in missing) metrics[name] = requests[name] * fallback / 100;
            }
            else if (usageRatio > 1.0)
            {
                foreach (var name in missing) metrics[name] = 0; // scale-up: assume they use nothing
            }
        }
        if (scaleUpWithUnready) foreach (var name in unready) metrics[name] = 0;

        var (newRatio, _, _) = UtilizationRatio(metrics, requests, targetUtilization);
        if (tol.IsWithin(newRatio) || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0))
            return (current, utilization, raw);
        var newReplicas = Ceil(newRatio * metrics.Count);
        if ((newRatio < 1.0 && newReplicas > current) || (newRatio > 1.0 && newReplicas < current)) return (current, utilization, raw);
        return (newReplicas, utilization, raw);
    }

    /// <summary>calcPlainMetricReplicas: a Pods metric, or a Resource metric with an AverageValue target.</summary>
    public (int Replicas, long Usage) PlainMetricReplicas(
        IReadOnlyDictionary<string, PodMetric> sampled, int current, long targetUsage, string resource, IHpaMetrics source, Tolerances tol)
    {
        var pods = source.Pods;
        if (pods.Count == 0) throw new MetricUnavailableException("no pods returned by selector while calculating replica count");
        var (ready, unready, missing, ignored) = GroupPods(pods, sampled, resource);
        var metrics = sampled.Where(m => !ignored.Contains(m.Key) && !unready.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value.ValueMilli);
        if (metrics.Count == 0) throw new MetricUnavailableException("did not receive metrics for targeted pods (pods might be unready)");

        var (usageRatio, usage) = UsageRatio(metrics, targetUsage);
        var scaleUpWithUnready = unready.Count > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
            return (tol.IsWithin(usageRatio) ? current : Ceil(usageRatio * ready), usage);

        if (missing.Count > 0)
        {
            if (usageRatio < 1.0) foreach (var name in missing) metrics[name] = targetUsage;
            else if (usageRatio > 1.0) foreach (var name in missing) metrics[name] = 0;
        }
        if (scaleUpWithUnready) foreach (var name in unready) metrics[name] = 0;

        var (newRatio, _) = UsageRatio(metrics, targetUsage);
        if (tol.IsWithin(newRatio) || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0)) return (current, usage);
        var newReplicas = Ceil(newRatio * metrics.Count);
        if ((newRatio < 1.0 && newReplicas > current) || (newRatio > 1.0 && newReplicas < current)) return (current, usage);
        return (newReplicas, usage);
    }

    /// <summary>GetObjectMetricReplicas / GetExternalMetricReplicas (Value targets): scales the ready pods by the ratio.</summary>
    public int UsageRatioReplicas(int current, double usageRatio, IHpaMetrics source, Tolerances tol)
    {
        if (current == 0) return Ceil(usageRatio); // scale from zero: no tolerance, no pods
        if (tol.IsWithin(usageRatio)) return current;
        var pods = source.Pods;
        if (pods.Count == 0) throw new MetricUnavailableException("no pods returned by selector while calculating replica count");
        var readyPods = pods.Count(p => p.Phase == PodPhase.Running && p.Ready == true);
        return Ceil(usageRatio * readyPods);
    }

    /// <summary>GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas (AverageValue targets): no pods consulted.</summary>
    public (int Replicas, long StatusAverage) PerPodReplicas(int statusReplicas, long usage, long targetAverage, Tolerances tol)
    {
        var usageRatio = usage / ((double)targetAverage * statusReplicas);
        var replicas = tol.IsWithin(usageRatio) ? statusReplicas : Ceil(usage / (double)targetAverage);
        return (replicas, (long)Math.Ceiling(usage / (double)statusReplicas));
    }

    /// <summary>groupPods: ignored (deleting, failed), unready (pending; for cpu also initializing or never ready), missing, ready.</summary>
    private (int Ready, HashSet<string> Unready, HashSet<string> Missing, HashSet<string> Ignored) GroupPods(
        IReadOnlyList<PodInfo> pods, IReadOnlyDictionary<string, PodMetric> metrics, string resource)
    {
        var (ready, unready, missing, ignored) = (0, new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
        foreach (var pod in pods)
        {
            if (pod.Deleting || pod.Phase == PodPhase.Failed) { ignored.Add(pod.Name); continue; }
            if (pod.Phase == PodPhase.Pending) { unready.Add(pod.Name); continue; }
            if (!metrics.TryGetValue(pod.Name, out var metric)) { missing.Add(pod.Name); continue; }
            if (resource == "cpu")
            {
                bool isUnready;
                if (pod.Ready is null || pod.StartTime is null)
                {
                    isUnready = true;
                }
                else
                {
                    var transition = pod.ReadyTransitionTime ?? DateTimeOffset.MinValue;
                    isUnready = pod.StartTime.Value + settings.CpuInitializationPeriod > now
                        // initializing: unready, or sampled less than one window after becoming ready
                        ? pod.Ready == false || metric.Timestamp < transition + metric.Window
                        // initialized: unready only if it never became ready after start
                        : pod.Ready == false && pod.StartTime.Value + settings.InitialReadinessDelay > transition;
                }
                if (isUnready) { unready.Add(pod.Name); continue; }
            }
            ready++;
        }
        return (ready, unready, missing, ignored);
    }

    /// <summary>calculateRequests: each pod's request for the resource (all containers, or one), for every listed pod.</summary>
    private static Dictionary<string, long> Requests(IReadOnlyList<PodInfo> pods, string? container, string resource)
    {
        var requests = new Dictionary<string, long>();
        foreach (var pod in pods)
        {
            long total = 0;
            var found = false;
            foreach (var c in pod.Containers)
            {
                if (container is not null && c.Name != container) continue;
                found = true;
                total += c.RequestsMilli.TryGetValue(resource, out var r) ? r
                    : throw new MetricUnavailableException($"missing request for {resource} in container {c.Name} of Pod {pod.Name}");
            }
            if (container is not null && !found) throw new MetricUnavailableException($"container {container} not present in Pod {pod.Name}");
            requests[pod.Name] = total;
        }
        return requests;
    }

    /// <summary>GetResourceUtilizationRatio: the ratio comes from the truncated integer percentage.</summary>
    private static (double Ratio, int Utilization, long RawAverage) UtilizationRatio(
        Dictionary<string, long> metrics, Dictionary<string, long> requests, int targetUtilization)
    {
        long metricsTotal = 0, requestsTotal = 0, entries = 0;
        foreach (var (name, value) in metrics)
        {
            if (!requests.TryGetValue(name, out var request)) continue;
            metricsTotal += value;
            requestsTotal += request;
            entries++;
        }
        if (requestsTotal == 0) throw new MetricUnavailableException("no metrics returned matched known pods");
        var utilization = (int)(metricsTotal * 100 / requestsTotal);
        return ((double)utilization / targetUtilization, utilization, metricsTotal / entries);
    }

    /// <summary>GetMetricUsageRatio: the integer mean over all entries.</summary>
    private static (double Ratio, long Usage) UsageRatio(Dictionary<string, long> metrics, long targetUsage)
    {
        var usage = metrics.Values.Sum() / metrics.Count;
        return ((double)usage / targetUsage, usage);
    }
}

/// <summary>A metric could not be computed (an API returned nothing, a request is missing): the metric is invalid.</summary>
public sealed class MetricUnavailableException(string message) : Exception(message);
