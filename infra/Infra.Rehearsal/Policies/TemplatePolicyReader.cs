using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Rehearsal.Kubernetes;
using Infra.Templates;
using Workflows.ScalingSignals;

namespace Infra.Rehearsal.Policies;

/// <summary>
/// Reads one environment's scaling policies from its synthesized templates: the Auto Scaling group, its target-tracking
/// and step-scaling policies and their alarms (or, with <c>web.platform: eks</c>, the API Deployment the target group
/// is bound to and its HPA), the target group's health check, the worker Deployment, its KEDA ScaledObject (or HPA),
/// the node group and the Cluster Autoscaler's flags. Anything that scales and is not modelled
/// (another policy type, a KEDA trigger type, an unknown metric) is a <see cref="PolicyNotUnderstoodException"/>.
/// </summary>
public static class TemplatePolicyReader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads <c>&lt;dir&gt;/&lt;env&gt;-*.template.json</c>.</summary>
    public static ScalingPolicies Read(string assemblyDirectory, string environment)
    {
        var templates = Directory.EnumerateFiles(assemblyDirectory, $"{environment}-*.template.json")
            .ToDictionary(f => Path.GetFileName(f)[..^".template.json".Length], f => JsonNode.Parse(File.ReadAllText(f))!["Resources"]!.AsObject());
        if (!templates.TryGetValue($"{environment}-web", out var web) || !templates.TryGetValue($"{environment}-workers", out var workers))
            throw new FileNotFoundException($"{assemblyDirectory} holds no {environment}-web and {environment}-workers templates: synthesize {environment} first");
        return FromTemplates(environment, templates);
    }

    public static ScalingPolicies FromTemplates(string environment, IReadOnlyDictionary<string, JsonObject> templates)
    {
        // Scaling resources anywhere but in the web stack's group would be policies this reader never looked at.
        foreach (var (stack, resources) in templates)
            foreach (var (id, resource) in resources)
            {
                var type = resource!["Type"]!.GetValue<string>();
                if (type.StartsWith("AWS::ApplicationAutoScaling::", StringComparison.Ordinal) || type == "AWS::AutoScaling::ScheduledAction"
                    || (type is "AWS::AutoScaling::ScalingPolicy" or "AWS::AutoScaling::AutoScalingGroup" && stack != $"{environment}-web"))
                    throw new PolicyNotUnderstoodException($"{stack}/{id}", type);
            }
        var (webStack, workersStack) = ($"{environment}-web", $"{environment}-workers");
        var objects = TemplateJson.Manifests(templates[workersStack]).ToList();
        var bindings = objects.Where(o => o["kind"]?.GetValue<string>() == "TargetGroupBinding").ToList();
        var groups = TemplateJson.OfType(templates[webStack], "AWS::AutoScaling::AutoScalingGroup").Count();
        if (groups > 0 && bindings.Count > 0 || groups == 0 && bindings.Count != 1)
            throw new PolicyNotUnderstoodException(webStack, $"{groups} Auto Scaling groups and {bindings.Count} TargetGroupBindings in {workersStack} (expected one of the two: instances or pods behind the target group)");
        if (groups > 0) return new ScalingPolicies(environment, ReadWeb(webStack, templates[webStack]), ReadWorkers(workersStack, templates[workersStack], objects, except: null));
        var pods = ReadWebPods(webStack, templates[webStack], workersStack, objects, bindings[0]);
        return new ScalingPolicies(environment, pods, ReadWorkers(workersStack, templates[workersStack], objects, except: pods.Pod.Deployment));
    }

    // ---------------- web tier ----------------

    private static WebTierPolicies ReadWeb(string stack, JsonObject resources)
    {
        var groups = TemplateJson.OfType(resources, "AWS::AutoScaling::AutoScalingGroup").ToList();
        if (groups.Count != 1) throw new PolicyNotUnderstoodException(stack, $"{groups.Count} Auto Scaling groups (expected one)");
        var (groupId, group) = groups[0];
        var p = group["Properties"]!;
        var where = $"{stack}/{groupId}";
        var launchTemplateId = p["LaunchTemplate"]?["LaunchTemplateId"]?["Ref"]?.GetValue<string>()
            ?? throw new PolicyNotUnderstoodException(where, "a group without a launch template of this stack");
        var launch = resources[launchTemplateId]!["Properties"]!["LaunchTemplateData"]!;
        var tg = ReadTargetGroup(stack, resources);

        var trackings = new List<TargetTrackingPolicy>();
        var steps = new List<StepScalingPolicy>();
        foreach (var (id, policy) in TemplateJson.OfType(resources, "AWS::AutoScaling::ScalingPolicy"))
        {
            var pp = policy["Properties"]!;
            var name = TemplateJson.ConstructPath(policy) ?? id;
            var type = pp["PolicyType"]?.GetValue<string>() ?? "SimpleScaling";
            switch (type)
            {
                case "TargetTrackingScaling":
                    var tt = pp["TargetTrackingConfiguration"]!;
                    var metric = tt["PredefinedMetricSpecification"]?["PredefinedMetricType"]?.GetValue<string>() switch
                    {
                        "ASGAverageCPUUtilization" => "ASGAverageCPUUtilization",
                        "ALBRequestCountPerTarget" => "ALBRequestCountPerTarget",
                        null when tt["CustomizedMetricSpecification"] is { } custom => Signal(custom["Namespace"]?.GetValue<string>(), custom["MetricName"]?.GetValue<string>(), $"{stack}/{id}"),
                        var other => throw new PolicyNotUnderstoodException($"{stack}/{id}", $"target-tracking metric {other}"),
                    };
                    trackings.Add(new TargetTrackingPolicy(name, metric, Number(tt["TargetValue"]), tt["DisableScaleIn"]?.GetValue<bool>() ?? false, Int(pp["EstimatedInstanceWarmup"])));
                    break;
                case "StepScaling":
                    var alarm = ReadAlarm(stack, id, resources);
                    var adjustments = (pp["StepAdjustments"] as JsonArray ?? []).Select(a => new StepAdjustment(
                        a!["MetricIntervalLowerBound"] is { } lo ? Number(lo) : null,
                        a["MetricIntervalUpperBound"] is { } hi ? Number(hi) : null,
                        Int(a["ScalingAdjustment"]) ?? 0)).ToList();
                    var adjustmentType = pp["AdjustmentType"]?.GetValue<string>() ?? "ChangeInCapacity";
                    if (adjustmentType is not ("ChangeInCapacity" or "PercentChangeInCapacity" or "ExactCapacity"))
                        throw new PolicyNotUnderstoodException($"{stack}/{id}", $"adjustment type {adjustmentType}");
                    steps.Add(new StepScalingPolicy(name, adjustmentType, adjustments, Int(pp["EstimatedInstanceWarmup"]), Int(pp["MinAdjustmentMagnitude"]), alarm));
                    break;
                default:
                    throw new PolicyNotUnderstoodException($"{stack}/{id}", $"scaling policy type {type}");
            }
        }

        return new WebTierPolicies
        {
            MinCapacity = Int(p["MinSize"])!.Value,
            MaxCapacity = Int(p["MaxSize"])!.Value,
            DesiredCapacity = Int(p["DesiredCapacity"]) ?? Int(p["MinSize"])!.Value,
            InstanceType = launch["InstanceType"]?.GetValue<string>() ?? throw new PolicyNotUnderstoodException(where, "a launch template without an instance type"),
            HealthCheckGraceSeconds = Int(p["HealthCheckGracePeriod"]) ?? 0,
            DetailedMonitoring = launch["Monitoring"]?["Enabled"]?.GetValue<bool>() ?? false,
            DefaultInstanceWarmupSeconds = Int(p["DefaultInstanceWarmup"]),
            DefaultCooldownSeconds = Int(p["Cooldown"]) ?? 300,
            HealthCheckIntervalSeconds = tg.IntervalSeconds,
            HealthyThresholdCount = tg.HealthyThreshold,
            DeregistrationDelaySeconds = tg.DeregistrationDelaySeconds,
            TargetTracking = trackings,
            StepScaling = steps,
        };
    }

    private sealed record TargetGroupHealth(int IntervalSeconds, int HealthyThreshold, int DeregistrationDelaySeconds);

    /// <summary>The one target group behind the ALB: when a new target starts receiving requests, and how long it drains.</summary>
    private static TargetGroupHealth ReadTargetGroup(string stack, JsonObject resources)
    {
        var targetGroups = TemplateJson.OfType(resources, "AWS::ElasticLoadBalancingV2::TargetGroup").ToList();
        if (targetGroups.Count != 1) throw new PolicyNotUnderstoodException(stack, $"{targetGroups.Count} target groups (expected one)");
        var tg = targetGroups[0].Resource["Properties"]!;
        var attributes = (tg["TargetGroupAttributes"] as JsonArray ?? []).ToDictionary(a => a!["Key"]!.GetValue<string>(), a => a!["Value"]!.GetValue<string>());
        return new TargetGroupHealth(Int(tg["HealthCheckIntervalSeconds"]) ?? 30, Int(tg["HealthyThresholdCount"]) ?? 5,
            attributes.TryGetValue("deregistration_delay.timeout_seconds", out var d) ? int.Parse(d, CultureInfo.InvariantCulture) : 300);
    }

    /// <summary>
    /// <c>web.platform: eks</c>: the TargetGroupBinding names a Service, whose selector picks the API Deployment, which
    /// an HPA (autoscaling/v2) scales. A ScaledObject on the API would be KEDA's and is not what we synthesize.
    /// </summary>
    private static WebPodPolicies ReadWebPods(string webStack, JsonObject webResources, string stack, List<JsonNode> objects, JsonNode binding)
    {
        var where = $"{stack}/{binding["metadata"]?["namespace"]}/{binding["metadata"]?["name"]}";
        var ns = binding["metadata"]?["namespace"]?.GetValue<string>();
        var serviceName = binding["spec"]?["serviceRef"]?["name"]?.GetValue<string>() ?? throw new PolicyNotUnderstoodException(where, "a TargetGroupBinding without spec.serviceRef.name");
        var service = objects.FirstOrDefault(o => Is(o, "Service", serviceName, ns))
            ?? throw new PolicyNotUnderstoodException(where, $"a TargetGroupBinding to Service '{serviceName}', which is not in the templates");
        var selector = (service["spec"]?["selector"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>());
        if (selector.Count == 0) throw new PolicyNotUnderstoodException(where, $"Service '{serviceName}' without a selector");
        var deployments = objects.Where(o => o["kind"]?.GetValue<string>() == "Deployment" && o["metadata"]?["namespace"]?.GetValue<string>() == ns
            && selector.All(kv => o["spec"]?["template"]?["metadata"]?["labels"]?[kv.Key]?.GetValue<string>() == kv.Value)).ToList();
        if (deployments.Count != 1) throw new PolicyNotUnderstoodException(where, $"Service '{serviceName}' selecting {deployments.Count} Deployments (expected one)");
        var deployment = deployments[0];
        var name = deployment["metadata"]!["name"]!.GetValue<string>();
        var scalers = objects.Where(o => o["kind"]?.GetValue<string>() is "HorizontalPodAutoscaler" or "ScaledObject"
            && o["spec"]?["scaleTargetRef"]?["name"]?.GetValue<string>() == name && o["metadata"]?["namespace"]?.GetValue<string>() == ns).ToList();
        if (scalers.Count != 1 || scalers[0]["kind"]!.GetValue<string>() != "HorizontalPodAutoscaler")
            throw new PolicyNotUnderstoodException($"{stack}/{ns}/{name}", $"the API Deployment scaled by {scalers.Count} objects ({string.Join(", ", scalers.Select(x => x["kind"]))}; expected one HorizontalPodAutoscaler)");
        var hpaName = $"{ns}/{scalers[0]["metadata"]!["name"]}";
        var hpa = Deserialize<HpaSpec>(scalers[0]["spec"]!, hpaName);
        foreach (var m in hpa.Metrics)
            if (m.Type != "Resource" || m.Resource!.Name is not ("cpu" or "memory") || m.Resource.Target.Type != "Utilization")
                throw new PolicyNotUnderstoodException(hpaName, $"an API HPA metric of type {m.Type} ({m.Resource?.Name ?? m.External?.Metric.Name ?? m.Pods?.Metric.Name}); modelled: cpu and memory Utilization");
        var tg = ReadTargetGroup(webStack, webResources);
        return new WebPodPolicies
        {
            Pod = ReadPod(deployment, $"{stack}/{ns}/{name}").Pod,
            Hpa = hpa,
            HealthCheckIntervalSeconds = tg.IntervalSeconds,
            HealthyThresholdCount = tg.HealthyThreshold,
            DeregistrationDelaySeconds = tg.DeregistrationDelaySeconds,
        };
    }

    private static bool Is(JsonNode o, string kind, string name, string? ns) =>
        o["kind"]?.GetValue<string>() == kind && o["metadata"]?["name"]?.GetValue<string>() == name && o["metadata"]?["namespace"]?.GetValue<string>() == ns;

    /// <summary>
    /// A Deployment's pod as Kubernetes accounts for it: requests summed over its containers (what the scheduler places
    /// and what a Resource metric's utilization divides by; an init container counts when it asks for more), and the
    /// service container, the one with the readiness probe (a sidecar has none): its CPU limit, probe and literal
    /// environment variables.
    /// </summary>
    private static (PodTemplate Pod, Dictionary<string, string> Env) ReadPod(JsonNode deployment, string where)
    {
        var spec = deployment["spec"]!["template"]!["spec"]!;
        var containers = (spec["containers"] as JsonArray ?? []).Select(c => c!).ToList();
        var service = containers.FirstOrDefault(c => c["readinessProbe"] is not null) ?? containers.FirstOrDefault()
            ?? throw new PolicyNotUnderstoodException(where, "a pod without containers");
        long Request(JsonNode c, string resource) => c["resources"]?["requests"]?[resource]?.GetValue<string>() is { } q ? Quantity.Milli(q) : 0;
        long PodRequest(string resource) => Math.Max(containers.Sum(c => Request(c, resource)),
            (spec["initContainers"] as JsonArray ?? []).Select(c => Request(c!, resource)).DefaultIfEmpty(0).Max());
        if (service["resources"]?["requests"]?["cpu"] is null) throw new PolicyNotUnderstoodException(where, $"a service container ({service["name"]}) without a cpu request");
        var env = (service["env"] as JsonArray ?? []).Where(e => e?["value"] is not null)
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        var pod = new PodTemplate(
            $"{deployment["metadata"]?["namespace"]}/{deployment["metadata"]?["name"]}",
            PodRequest("cpu"),
            service["resources"]?["limits"]?["cpu"] is { } limit ? Quantity.Milli(limit.GetValue<string>()) : long.MaxValue,
            PodRequest("memory"),
            Int(service["readinessProbe"]?["initialDelaySeconds"]) ?? 0,
            Int(service["readinessProbe"]?["periodSeconds"]) ?? 10);
        return (pod, env);
    }

    private static AlarmDefinition ReadAlarm(string stack, string policyId, JsonObject resources)
    {
        var alarms = TemplateJson.OfType(resources, "AWS::CloudWatch::Alarm")
            .Where(a => (a.Resource["Properties"]!["AlarmActions"] as JsonArray)?.Any(x => x?["Ref"]?.GetValue<string>() == policyId) == true).ToList();
        if (alarms.Count != 1) throw new PolicyNotUnderstoodException($"{stack}/{policyId}", $"a step-scaling policy driven by {alarms.Count} alarms (expected one)");
        var (id, alarm) = alarms[0];
        var a = alarm["Properties"]!;
        string signal, statistic;
        int period;
        if (a["Metrics"] is JsonArray metrics)
        {
            var stats = metrics.Where(m => m?["MetricStat"] is not null).ToList();
            if (stats.Count != 1 || metrics.Count != 1) throw new PolicyNotUnderstoodException($"{stack}/{id}", "an alarm on metric math");
            var stat = stats[0]!["MetricStat"]!;
            signal = Signal(stat["Metric"]!["Namespace"]?.GetValue<string>(), stat["Metric"]!["MetricName"]?.GetValue<string>(), $"{stack}/{id}");
            statistic = stat["Stat"]!.GetValue<string>();
            period = Int(stat["Period"]) ?? 60;
        }
        else
        {
            signal = Signal(a["Namespace"]?.GetValue<string>(), a["MetricName"]?.GetValue<string>(), $"{stack}/{id}");
            statistic = a["ExtendedStatistic"]?.GetValue<string>() ?? a["Statistic"]!.GetValue<string>();
            period = Int(a["Period"]) ?? 60;
        }
        var evaluation = Int(a["EvaluationPeriods"]) ?? 1;
        return new AlarmDefinition(TemplateJson.ConstructPath(alarm) ?? id, signal, statistic, period, evaluation,
            Int(a["DatapointsToAlarm"]) ?? evaluation, Number(a["Threshold"]), a["ComparisonOperator"]!.GetValue<string>());
    }

    /// <summary>A metric in the contract's namespace that the rehearsal simulates; anything else is not understood.</summary>
    private static string Signal(string? ns, string? name, string where)
    {
        var simulated = new[] { Signals.QueueLength.Name, Signals.ResponseTime.Name, Signals.AverageResponseTime.Name };
        return ns == Signals.Namespace && simulated.Contains(name) ? name!
            : throw new PolicyNotUnderstoodException(where, $"metric {ns}/{name} (simulated: {string.Join(", ", simulated.Select(s => $"{Signals.Namespace}/{s}"))})");
    }

    // ---------------- worker tier ----------------

    /// <param name="except">The API Deployment (namespace/name) when the web tier runs on the cluster: not a worker.</param>
    private static WorkerTierPolicies ReadWorkers(string stack, JsonObject resources, List<JsonNode> objects, string? except)
    {
        var scaled = objects.Where(o => o["kind"]?.GetValue<string>() is "ScaledObject" or "HorizontalPodAutoscaler"
            && $"{o["metadata"]?["namespace"]}/{o["spec"]?["scaleTargetRef"]?["name"]}" != except).ToList();
        foreach (var o in objects.Where(o => o["kind"]?.GetValue<string>() is "ScaledJob" or "VerticalPodAutoscaler"))
            throw new PolicyNotUnderstoodException($"{stack}/{o["metadata"]?["name"]}", $"a {o["kind"]}");
        if (scaled.Count != 1) throw new PolicyNotUnderstoodException(stack, $"{scaled.Count} scaled workloads (expected the worker Deployment's one)");
        var scaler = scaled[0];
        var name = $"{scaler["metadata"]?["namespace"]}/{scaler["metadata"]?["name"]}";
        var targetName = scaler["spec"]!["scaleTargetRef"]!["name"]!.GetValue<string>();
        if (scaler["spec"]!["scaleTargetRef"]!["kind"]?.GetValue<string>() is { } kind && kind != "Deployment")
            throw new PolicyNotUnderstoodException(name, $"a scale target of kind {kind}");
        var deployment = objects.FirstOrDefault(o => o["kind"]?.GetValue<string>() == "Deployment" && o["metadata"]?["name"]?.GetValue<string>() == targetName)
            ?? throw new PolicyNotUnderstoodException(name, $"a scale target Deployment '{targetName}' that is not in the templates");
        var (pod, env) = ReadPod(deployment, name);

        var (hpa, polling, external) = scaler["kind"]!.GetValue<string>() == "ScaledObject"
            ? KedaToHpa(name, scaler["spec"]!)
            : (Deserialize<HpaSpec>(scaler["spec"]!, name), (int?)null, new Dictionary<string, CloudWatchQuery>());

        var nodeGroups = TemplateJson.OfType(resources, "AWS::EKS::Nodegroup").ToList();
        if (nodeGroups.Count != 1) throw new PolicyNotUnderstoodException(stack, $"{nodeGroups.Count} node groups (expected one)");
        var ng = nodeGroups[0].Resource["Properties"]!;
        var types = ng["InstanceTypes"] as JsonArray;
        if (types is null || types.Count != 1) throw new PolicyNotUnderstoodException($"{stack}/{nodeGroups[0].LogicalId}", "a node group without exactly one instance type");

        return new WorkerTierPolicies
        {
            Pod = pod,
            Concurrency = env.TryGetValue("Queue__Concurrency", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 8,
            Hpa = hpa,
            KedaPollingIntervalSeconds = polling,
            ExternalMetrics = external,
            Nodes = new NodeGroupPolicy(types[0]!.GetValue<string>(), Int(ng["ScalingConfig"]!["MinSize"])!.Value,
                Int(ng["ScalingConfig"]!["MaxSize"])!.Value, Int(ng["ScalingConfig"]!["DesiredSize"]) ?? Int(ng["ScalingConfig"]!["MinSize"])!.Value),
            ClusterAutoscaler = ClusterAutoscaler(resources),
        };
    }

    /// <summary>
    /// The HPA KEDA generates for a ScaledObject: min = max(minReplicaCount, 1), one metric per trigger (cpu/memory as
    /// Resource Utilization, others as External "s{index}-{type}" with an AverageValue target unless metricType Value),
    /// behavior from advanced.horizontalPodAutoscalerConfig.
    /// </summary>
    private static (HpaSpec Hpa, int? Polling, Dictionary<string, CloudWatchQuery> External) KedaToHpa(string name, JsonNode spec)
    {
        var allowed = new[] { "scaleTargetRef", "minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod", "advanced", "triggers" };
        if (spec.AsObject().Select(kv => kv.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } unknown)
            throw new PolicyNotUnderstoodException(name, $"ScaledObject field spec.{unknown}");
        if (spec["advanced"]?.AsObject().Any(kv => kv.Key != "horizontalPodAutoscalerConfig") == true
            || spec["advanced"]?["horizontalPodAutoscalerConfig"]?.AsObject().Any(kv => kv.Key != "behavior") == true)
            throw new PolicyNotUnderstoodException(name, "ScaledObject advanced settings other than horizontalPodAutoscalerConfig.behavior");
        var min = Int(spec["minReplicaCount"]) ?? 0;
        if (min == 0) throw new PolicyNotUnderstoodException(name, "minReplicaCount 0 (scale to zero by activation)");
        var metrics = new List<MetricSpec>();
        var external = new Dictionary<string, CloudWatchQuery>();
        var triggers = spec["triggers"] as JsonArray ?? [];
        for (var i = 0; i < triggers.Count; i++)
        {
            var t = triggers[i]!;
            var type = t["type"]!.GetValue<string>();
            var meta = t["metadata"] as JsonObject ?? [];
            var metricType = t["metricType"]?.GetValue<string>() ?? (type is "cpu" or "memory" ? "Utilization" : "AverageValue");
            switch (type)
            {
                case "cpu" or "memory":
                    if (metricType != "Utilization") throw new PolicyNotUnderstoodException(name, $"a {type} trigger with metricType {metricType}");
                    metrics.Add(new MetricSpec
                    {
                        Type = "Resource",
                        Resource = new ResourceMetricSource { Name = type, Target = new MetricTarget { Type = "Utilization", AverageUtilization = int.Parse(Meta(meta, "value", name), CultureInfo.InvariantCulture) } },
                    });
                    break;
                case "aws-cloudwatch":
                    var metricName = $"s{i}-aws-cloudwatch";
                    var target = Meta(meta, "targetMetricValue", name);
                    metrics.Add(new MetricSpec
                    {
                        Type = "External",
                        External = new MetricSource
                        {
                            Metric = new MetricIdentifier { Name = metricName },
                            Target = metricType == "Value" ? new MetricTarget { Type = "Value", Value = target } : new MetricTarget { Type = "AverageValue", AverageValue = target },
                        },
                    });
                    var dimension = meta["dimensionName"]?.GetValue<string>();
                    if (dimension is not null && dimension != Signals.EnvironmentDimension)
                        throw new PolicyNotUnderstoodException(name, $"a CloudWatch trigger on dimension {dimension}");
                    external[metricName] = new CloudWatchQuery(
                        Signal(meta["namespace"]?.GetValue<string>(), meta["metricName"]?.GetValue<string>(), $"{name} trigger {i}"),
                        meta["metricStat"]?.GetValue<string>() ?? "Average",
                        int.Parse(meta["metricStatPeriod"]?.GetValue<string>() ?? "300", CultureInfo.InvariantCulture),
                        int.Parse(meta["metricCollectionTime"]?.GetValue<string>() ?? "300", CultureInfo.InvariantCulture),
                        int.Parse(meta["metricEndTimeOffset"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture),
                        bool.Parse(meta["ignoreNullValues"]?.GetValue<string>() ?? "true"),
                        double.Parse(meta["minMetricValue"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture));
                    break;
                default:
                    throw new PolicyNotUnderstoodException(name, $"KEDA trigger type '{type}'");
            }
        }
        var behavior = spec["advanced"]?["horizontalPodAutoscalerConfig"]?["behavior"] is { } b ? Deserialize<HpaBehavior>(b, name) : null;
        return (new HpaSpec { MinReplicas = Math.Max(min, 1), MaxReplicas = Int(spec["maxReplicaCount"]) ?? 100, Metrics = metrics, Behavior = behavior },
            Int(spec["pollingInterval"]) ?? 30, external);
    }

    private static ClusterAutoscalerPolicy ClusterAutoscaler(JsonObject resources)
    {
        var chart = TemplateJson.OfType(resources, "Custom::AWSCDK-EKS-HelmChart").FirstOrDefault(c => c.Resource["Properties"]!["Chart"]?.GetValue<string>() == "cluster-autoscaler");
        var defaults = new ClusterAutoscalerPolicy();
        if (chart.Resource is null) return defaults;
        var values = JsonNode.Parse(TemplateJson.Flatten(chart.Resource["Properties"]!["Values"]));
        var args = values?["extraArgs"] as JsonObject ?? [];
        string? Arg(string key) => args[key]?.ToString();
        return new ClusterAutoscalerPolicy
        {
            ScanIntervalSeconds = GoDuration(Arg("scan-interval")) ?? defaults.ScanIntervalSeconds,
            ScaleDownUnneededSeconds = GoDuration(Arg("scale-down-unneeded-time")) ?? defaults.ScaleDownUnneededSeconds,
            ScaleDownDelayAfterAddSeconds = GoDuration(Arg("scale-down-delay-after-add")) ?? defaults.ScaleDownDelayAfterAddSeconds,
            ScaleDownUtilizationThreshold = Arg("scale-down-utilization-threshold") is { } u ? double.Parse(u, CultureInfo.InvariantCulture) : defaults.ScaleDownUtilizationThreshold,
            Expander = Arg("expander") ?? defaults.Expander,
        };
    }

    /// <summary>Go durations: "10s", "10m", "1m30s", "1h".</summary>
    private static int? GoDuration(string? text)
    {
        if (text is null) return null;
        var total = 0.0;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"(\d+(?:\.\d+)?)(h|m|s)"))
            total += double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * (m.Groups[2].Value switch { "h" => 3600, "m" => 60, _ => 1 });
        return (int)total;
    }

    private static string Meta(JsonObject meta, string key, string where) =>
        meta[key]?.GetValue<string>() ?? throw new PolicyNotUnderstoodException(where, $"a trigger without metadata.{key}");

    private static T Deserialize<T>(JsonNode node, string where)
    {
        try { return node.Deserialize<T>(Json)!; }
        catch (JsonException e) { throw new PolicyNotUnderstoodException(where, $"{typeof(T).Name} ({e.Message})"); }
    }

    private static int? Int(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<string>(out var s) => int.Parse(s, CultureInfo.InvariantCulture),
        _ => null,
    };

    private static double Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => double.Parse(s, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"{node?.ToJsonString()} is not a number"),
    };
}
