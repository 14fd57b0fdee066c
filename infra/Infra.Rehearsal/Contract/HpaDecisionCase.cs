using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Rehearsal.Kubernetes;

namespace Infra.Rehearsal.Contract;

/// <summary>
/// The HPA decision contract (<c>rehearse hpa-decide</c>): one case mirrors the Kubernetes objects the controller reads
/// (the HPA with its spec and status, the scale subresource, the pods with their requests and metrics, the external
/// and object metrics, the controller's flags and remembered history) and is answered with the decision and the
/// conditions Kubernetes would set. So the HPA model can be checked against Kubernetes' own test expectations.
/// </summary>
public static class HpaDecisionCase
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Decides one case, or each case of an array (same order).</summary>
    public static JsonNode Decide(JsonNode input) => input switch
    {
        JsonArray cases => new JsonArray(cases.Select((c, i) => (JsonNode?)DecideOne(c, $"[{i}]")).ToArray()),
        _ => DecideOne(input, "$"),
    };

    public static JsonObject DecideOne(JsonNode? node, string path)
    {
        var c = node as JsonObject ?? throw new HpaCaseException(path, "must be an object");
        var now = Time(c["now"], $"{path}.now") ?? throw new HpaCaseException($"{path}.now", "is required");
        var hpa = c["hpa"] as JsonObject ?? throw new HpaCaseException($"{path}.hpa", "is required");
        if (hpa["apiVersion"]?.GetValue<string>() is { } api && api != "autoscaling/v2")
            throw new HpaCaseException($"{path}.hpa.apiVersion", $"'{api}': only autoscaling/v2 is modelled");
        HpaSpec spec;
        try
        {
            spec = hpa["spec"]?.Deserialize<HpaSpec>(Json) ?? throw new HpaCaseException($"{path}.hpa.spec", "is required");
        }
        catch (JsonException e)
        {
            throw new HpaCaseException($"{path}.hpa.spec{e.Path?.TrimStart('$')}", e.Message);
        }
        var status = hpa["status"] as JsonObject;
        var scale = c["scale"] as JsonObject ?? throw new HpaCaseException($"{path}.scale", "is required");
        var specReplicas = Int(scale["specReplicas"], $"{path}.scale.specReplicas") ?? throw new HpaCaseException($"{path}.scale.specReplicas", "is required");
        var statusReplicas = Int(scale["statusReplicas"], $"{path}.scale.statusReplicas") ?? specReplicas;

        var settings = Controller(c["controller"] as JsonObject, $"{path}.controller");
        var state = History(c["history"] as JsonObject, $"{path}.history");
        var metrics = new CaseMetrics(c, now, path);
        var proposed = Int(c["proposedReplicas"], $"{path}.proposedReplicas");

        HpaDecision decision;
        try
        {
            decision = new HorizontalPodAutoscaler(settings).Sync(spec, state, specReplicas, statusReplicas,
                Int(status?["desiredReplicas"], $"{path}.hpa.status.desiredReplicas") ?? specReplicas, metrics, now, proposed);
        }
        catch (FormatException e)
        {
            throw new HpaCaseException($"{path}.hpa.spec", e.Message);
        }

        return new JsonObject
        {
            ["desiredReplicas"] = decision.DesiredReplicas,
            ["recommendation"] = decision.Recommendation,
            ["metrics"] = new JsonArray(decision.Metrics.Select(m => (JsonNode?)MetricJson(m)).ToArray()),
            ["conditions"] = new JsonArray(decision.Conditions.Select(x => (JsonNode?)new JsonObject
            {
                ["type"] = x.Type, ["status"] = x.Status, ["reason"] = x.Reason,
            }).ToArray()),
            ["history"] = new JsonObject
            {
                ["recommendations"] = new JsonArray(state.Recommendations!.Select(r => (JsonNode?)new JsonObject
                {
                    ["timestamp"] = r.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["replicas"] = r.Replicas,
                }).ToArray()),
                ["scaleUpEvents"] = Events(state.ScaleUpEvents),
                ["scaleDownEvents"] = Events(state.ScaleDownEvents),
            },
        };
    }

    private static JsonArray Events(IEnumerable<ScaleEvent> events) => new(events.Select(e => (JsonNode?)new JsonObject
    {
        ["timestamp"] = e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["replicaChange"] = e.ReplicaChange,
    }).ToArray());

    private static JsonObject MetricJson(MetricResult m)
    {
        var o = new JsonObject { ["type"] = m.Type, ["name"] = m.Name, ["replicas"] = m.Replicas };
        if (m.Utilization is { } u) o["utilization"] = u;
        if (m.AverageValueMilli is { } a) o["averageValue"] = Quantity.FromMilli(a);
        if (m.ValueMilli is { } v) o["value"] = Quantity.FromMilli(v);
        if (m.Error is { } e) o["error"] = e;
        return o;
    }

    private static HpaControllerSettings Controller(JsonObject? c, string path)
    {
        var d = new HpaControllerSettings();
        if (c is null) return d;
        return new HpaControllerSettings
        {
            Tolerance = c["tolerance"] is { } t ? t.GetValue<double>() : d.Tolerance,
            CpuInitializationPeriod = Seconds(c["cpuInitializationPeriodSeconds"], $"{path}.cpuInitializationPeriodSeconds") ?? d.CpuInitializationPeriod,
            InitialReadinessDelay = Seconds(c["initialReadinessDelaySeconds"], $"{path}.initialReadinessDelaySeconds") ?? d.InitialReadinessDelay,
            DownscaleStabilizationWindow = Seconds(c["downscaleStabilizationWindowSeconds"], $"{path}.downscaleStabilizationWindowSeconds") ?? d.DownscaleStabilizationWindow,
        };
    }

    private static HpaState History(JsonObject? h, string path)
    {
        var state = new HpaState();
        if (h is null) return state;
        if (h["recommendations"] is JsonArray recs)
            state.Recommendations = recs.Select((r, i) => new Recommendation(
                Int(r?["replicas"], $"{path}.recommendations[{i}].replicas") ?? throw new HpaCaseException($"{path}.recommendations[{i}].replicas", "is required"),
                Time(r?["timestamp"], $"{path}.recommendations[{i}].timestamp") ?? throw new HpaCaseException($"{path}.recommendations[{i}].timestamp", "is required"))).ToList();
        foreach (var (key, list) in new[] { ("scaleUpEvents", state.ScaleUpEvents), ("scaleDownEvents", state.ScaleDownEvents) })
            if (h[key] is JsonArray events)
                list.AddRange(events.Select((e, i) => new ScaleEvent(
                    Int(e?["replicaChange"], $"{path}.{key}[{i}].replicaChange") ?? 0,
                    Time(e?["timestamp"], $"{path}.{key}[{i}].timestamp") ?? throw new HpaCaseException($"{path}.{key}[{i}].timestamp", "is required"))));
        return state;
    }

    internal static DateTimeOffset? Time(JsonNode? node, string path) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) => t,
        _ => throw new HpaCaseException(path, $"{node.ToJsonString()} is not an RFC 3339 time"),
    };

    internal static int? Int(JsonNode? node, string path) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw new HpaCaseException(path, $"{node.ToJsonString()} is not an integer"),
    };

    private static TimeSpan? Seconds(JsonNode? node, string path) => Int(node, path) is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>The metrics APIs as the case describes them.</summary>
    private sealed class CaseMetrics : IHpaMetrics
    {
        private readonly JsonObject _case;
        private readonly DateTimeOffset _now;
        private readonly List<(PodInfo Pod, JsonObject Json)> _pods;

        public CaseMetrics(JsonObject c, DateTimeOffset now, string path)
        {
            _case = c;
            _now = now;
            _pods = ((c["pods"] as JsonArray) ?? []).Select((p, i) => (Pod(p as JsonObject ?? throw new HpaCaseException($"{path}.pods[{i}]", "must be an object"), $"{path}.pods[{i}]"), (JsonObject)p!)).ToList();
            Pods = _pods.Select(p => p.Pod).ToList();
        }

        public IReadOnlyList<PodInfo> Pods { get; }

        private static PodInfo Pod(JsonObject p, string path)
        {
            var phase = p["phase"]?.GetValue<string>() ?? "Running";
            if (!Enum.TryParse<PodPhase>(phase, out var parsed)) throw new HpaCaseException($"{path}.phase", $"'{phase}' is not a pod phase");
            IReadOnlyList<ContainerInfo> containers = p["containers"] is JsonArray cs
                ? cs.Select((x, i) => new ContainerInfo(x!["name"]!.GetValue<string>(), Milli(x["requests"] as JsonObject, $"{path}.containers[{i}].requests"))).ToList()
                : [new ContainerInfo("main", Milli(p["requests"] as JsonObject, $"{path}.requests"))];
            return new PodInfo(p["name"]?.GetValue<string>() ?? throw new HpaCaseException($"{path}.name", "is required"),
                parsed, p["ready"] is JsonValue r ? r.GetValue<bool>() : null, p["deleting"]?.GetValue<bool>() ?? false,
                Time(p["startTime"], $"{path}.startTime"), Time(p["readyTransitionTime"], $"{path}.readyTransitionTime"), containers);
        }

        private static IReadOnlyDictionary<string, long> Milli(JsonObject? quantities, string path) =>
            quantities?.ToDictionary(q => q.Key, q =>
            {
                try { return Quantity.Milli(q.Value!.GetValue<string>()); }
                catch (Exception e) when (e is FormatException or InvalidOperationException) { throw new HpaCaseException($"{path}.{q.Key}", e.Message); }
            }) ?? new Dictionary<string, long>();

        private PodMetric Sample(JsonObject pod, long value) => new(value,
            Time(pod["metricTimestamp"], "metricTimestamp") ?? _now, TimeSpan.FromSeconds(Int(pod["metricWindowSeconds"], "metricWindowSeconds") ?? 60));

        public IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container)
        {
            var result = new Dictionary<string, PodMetric>();
            var any = false;
            foreach (var (pod, json) in _pods)
            {
                if (json["containers"] is JsonArray cs)
                {
                    var usages = cs.Select(c => (Name: c!["name"]!.GetValue<string>(), Usage: c["usage"] as JsonObject)).ToList();
                    if (usages.All(u => u.Usage is null)) continue;
                    any = true;
                    if (container is not null)
                    {
                        var one = usages.FirstOrDefault(u => u.Name == container);
                        if (one.Name is null) return null; // the container is not in the pod's metrics: the call fails
                        if (one.Usage?[resource] is { } q) result[pod.Name] = Sample(json, Quantity.Milli(q.GetValue<string>()));
                    }
                    else if (usages.All(u => u.Usage?[resource] is not null))
                    {
                        result[pod.Name] = Sample(json, usages.Sum(u => Quantity.Milli(u.Usage![resource]!.GetValue<string>())));
                    }
                }
                else if (json["usage"]?[resource] is { } q)
                {
                    any = true;
                    result[pod.Name] = Sample(json, Quantity.Milli(q.GetValue<string>()));
                }
            }
            return any ? result : null;
        }

        public IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name)
        {
            var result = _pods.Where(p => p.Json["metrics"]?[name] is not null)
                .ToDictionary(p => p.Pod.Name, p => Sample(p.Json, Quantity.Milli(p.Json["metrics"]![name]!.GetValue<string>())));
            return result.Count > 0 ? result : null;
        }

        public long? ObjectMetric(string name) =>
            _case["object"]?[name] is { } v ? Quantity.Milli(v.GetValue<string>()) : null;

        public IReadOnlyList<long>? ExternalMetric(string name) =>
            _case["external"]?[name] is JsonArray values ? values.Select(v => Quantity.Milli(v!.GetValue<string>())).ToList() : null;
    }
}

/// <summary>A case is malformed; the message names the JSON path.</summary>
public sealed class HpaCaseException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;
}
