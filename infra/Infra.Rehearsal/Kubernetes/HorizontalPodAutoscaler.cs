namespace Infra.Rehearsal.Kubernetes;

/// <summary>
/// One sync of the Kubernetes HPA controller for one HPA (horizontal.go, reconcileAutoscaler): the metrics' proposals
/// (max over metrics; an invalid metric forbids scaling down), then either the legacy normalization (5-minute downscale
/// stabilization, scale-up limit max(2×, 4)) or the behavior normalization (per-direction stabilization windows and
/// Pods/Percent policies over their periods, selectPolicy), the min/max clamps, and the conditions Kubernetes sets.
/// The same code answers <c>rehearse hpa-decide</c> and drives the rehearsal's worker pods.
/// </summary>
public sealed class HorizontalPodAutoscaler(HpaControllerSettings settings)
{
    public HpaControllerSettings Settings { get; } = settings;

    private static readonly HpaScalingPolicy[] DefaultScaleUpPolicies =
        [new() { Type = "Pods", Value = 4, PeriodSeconds = 15 }, new() { Type = "Percent", Value = 100, PeriodSeconds = 15 }];
    private static readonly HpaScalingPolicy[] DefaultScaleDownPolicies = [new() { Type = "Percent", Value = 100, PeriodSeconds = 15 }];

    /// <param name="specReplicas">The target's scale.spec.replicas (what the controller calls current).</param>
    /// <param name="statusReplicas">scale.status.replicas (used by Object/External AverageValue targets only).</param>
    /// <param name="previousDesired">hpa.status.desiredReplicas, kept when the metrics cannot be computed.</param>
    /// <param name="proposed">When set, the metrics are skipped and this recommendation is normalized.</param>
    public HpaDecision Sync(HpaSpec spec, HpaState state, int specReplicas, int statusReplicas, int previousDesired,
        IHpaMetrics metrics, DateTimeOffset now, int? proposed = null)
    {
        var sync = new SyncRun(this, spec, state, now);
        return sync.Run(specReplicas, statusReplicas, previousDesired, metrics, proposed);
    }

    /// <summary>The spec's behavior after API defaulting (null stays null: the legacy path).</summary>
    private HpaBehavior? Defaulted(HpaBehavior? behavior) => behavior is null ? null : new HpaBehavior
    {
        ScaleUp = new HpaScalingRules
        {
            StabilizationWindowSeconds = behavior.ScaleUp?.StabilizationWindowSeconds ?? 0,
            SelectPolicy = behavior.ScaleUp?.SelectPolicy ?? "Max",
            Policies = behavior.ScaleUp?.Policies ?? DefaultScaleUpPolicies,
            Tolerance = behavior.ScaleUp?.Tolerance,
        },
        ScaleDown = new HpaScalingRules
        {
            // maybeInitScaleDownStabilizationWindow: unset means the controller's flag.
            StabilizationWindowSeconds = behavior.ScaleDown?.StabilizationWindowSeconds ?? (int)Settings.DownscaleStabilizationWindow.TotalSeconds,
            SelectPolicy = behavior.ScaleDown?.SelectPolicy ?? "Max",
            Policies = behavior.ScaleDown?.Policies ?? DefaultScaleDownPolicies,
            Tolerance = behavior.ScaleDown?.Tolerance,
        },
    };

    private sealed class SyncRun(HorizontalPodAutoscaler controller, HpaSpec spec, HpaState state, DateTimeOffset now)
    {
        private readonly List<HpaCondition> _conditions = [];
        private readonly HpaBehavior? _behavior = controller.Defaulted(spec.Behavior);
        private HpaControllerSettings Settings => controller.Settings;

        private void SetCondition(string type, bool status, string reason)
        {
            var condition = new HpaCondition(type, status ? "True" : "False", reason);
            var i = _conditions.FindIndex(c => c.Type == type);
            if (i >= 0) _conditions[i] = condition; else _conditions.Add(condition);
        }

        public HpaDecision Run(int current, int statusReplicas, int previousDesired, IHpaMetrics metrics, int? proposed)
        {
            SetCondition("AbleToScale", true, "SucceededGetScale");
            state.Recommendations ??= [new Recommendation(current, now)]; // recordInitialRecommendation
            var min = spec.MinReplicas ?? 1;
            int desired;
            int? recommendation = null;
            IReadOnlyList<MetricResult> results = [];
            var rescale = true;
            if (proposed is { } p)
            {
                recommendation = p;
                desired = Normalize(current, p, min);
                rescale = desired != current;
            }
            else if (current == 0 && min != 0)
            {
                desired = 0;
                rescale = false;
                SetCondition("ScalingActive", false, "ScalingDisabled");
            }
            else if (current > spec.MaxReplicas) desired = spec.MaxReplicas;
            else if (current < min) desired = min;
            else
            {
                (var fromMetrics, results) = ReplicasForMetrics(current, statusReplicas, metrics);
                if (fromMetrics == -1) return new HpaDecision(previousDesired, null, false, results, _conditions);
                recommendation = fromMetrics;
                desired = Normalize(current, Math.Max(0, fromMetrics), min);
                rescale = desired != current;
            }

            if (rescale)
            {
                SetCondition("AbleToScale", true, "SucceededRescale");
                StoreScaleEvent(current, desired);
            }
            else
            {
                desired = current;
            }
            return new HpaDecision(desired, recommendation, rescale, results, _conditions);
        }

        private ReplicaCalculator.Tolerances Tolerances()
        {
            double down = Settings.Tolerance, up = Settings.Tolerance;
            if (spec.Behavior?.ScaleDown?.Tolerance is { } d) down = Quantity.Approximate(d);
            if (spec.Behavior?.ScaleUp?.Tolerance is { } u) up = Quantity.Approximate(u);
            return new ReplicaCalculator.Tolerances(down, up);
        }

        /// <summary>computeReplicasForMetrics: the largest proposal; -1 when no metric is valid or an invalid one would allow a scale-down.</summary>
        private (int Replicas, IReadOnlyList<MetricResult> Results) ReplicasForMetrics(int specReplicas, int statusReplicas, IHpaMetrics metrics)
        {
            var calculator = new ReplicaCalculator(Settings, now);
            var tol = Tolerances();
            var results = new List<MetricResult>();
            int replicas = 0, invalid = 0;
            string? firstFailure = null;
            foreach (var metric in spec.Metrics)
            {
                var result = ComputeMetric(metric, specReplicas, statusReplicas, metrics, calculator, tol);
                results.Add(result);
                if (result.Replicas is not { } proposal)
                {
                    if (invalid == 0) firstFailure = result.Error;
                    invalid++;
                    continue;
                }
                if (replicas == 0 || proposal > replicas) replicas = proposal;
            }
            if (invalid >= spec.Metrics.Count || (invalid > 0 && replicas < specReplicas))
            {
                SetCondition("ScalingActive", false, firstFailure ?? "InvalidMetricSourceType");
                return (-1, results);
            }
            SetCondition("ScalingActive", true, "ValidMetricFound");
            return (replicas, results);
        }

        private static MetricResult ComputeMetric(MetricSpec metric, int specReplicas, int statusReplicas, IHpaMetrics source,
            ReplicaCalculator calculator, ReplicaCalculator.Tolerances tol)
        {
            var (failure, name) = metric.Type switch
            {
                "Resource" => ("FailedGetResourceMetric", metric.Resource?.Name ?? ""),
                "ContainerResource" => ("FailedGetContainerResourceMetric", metric.ContainerResource?.Name ?? ""),
                "Pods" => ("FailedGetPodsMetric", metric.Pods?.Metric.Name ?? ""),
                "Object" => ("FailedGetObjectMetric", metric.Object?.Metric.Name ?? ""),
                "External" => ("FailedGetExternalMetric", metric.External?.Metric.Name ?? ""),
                _ => ("InvalidMetricSourceType", metric.Type),
            };
            try
            {
                switch (metric.Type)
                {
                    case "Resource" or "ContainerResource":
                    {
                        var src = (metric.Resource ?? metric.ContainerResource) ?? throw new MetricUnavailableException("invalid resource metric source");
                        var container = metric.Type == "ContainerResource" ? src.Container : null;
                        if (src.Target.AverageValue is { } averageValue)
                        {
                            var sampled = source.Resource(src.Name, container) ?? throw new MetricUnavailableException("no metrics returned from resource metrics API");
                            var (r, usage) = calculator.PlainMetricReplicas(sampled, specReplicas, Quantity.Milli(averageValue), src.Name, source, tol);
                            return new MetricResult(metric.Type, src.Name, r, null, usage, null, null);
                        }
                        if (src.Target.AverageUtilization is not { } utilizationTarget) throw new MetricUnavailableException("invalid resource metric source");
                        var (replicas, utilization, raw) = calculator.ResourceReplicas(specReplicas, utilizationTarget, src.Name, container, source, tol);
                        return new MetricResult(metric.Type, src.Name, replicas, utilization, raw, null, null);
                    }
                    case "Pods":
                    {
                        var sampled = source.PodsMetric(name) ?? throw new MetricUnavailableException("no metrics returned from custom metrics API");
                        var target = metric.Pods!.Target.AverageValue ?? throw new MetricUnavailableException("invalid pods metric source");
                        var (replicas, usage) = calculator.PlainMetricReplicas(sampled, specReplicas, Quantity.Milli(target), "", source, tol);
                        return new MetricResult("Pods", name, replicas, null, usage, null, null);
                    }
                    case "Object":
                    {
                        var target = metric.Object!.Target;
                        var value = source.ObjectMetric(name) ?? throw new MetricUnavailableException("unable to fetch metrics from custom metrics API");
                        if (target.Type == "Value" && target.Value is { } v)
                            return new MetricResult("Object", name, calculator.UsageRatioReplicas(specReplicas, value / (double)Quantity.Milli(v), source, tol), null, null, value, null);
                        if (target.Type == "AverageValue" && target.AverageValue is { } av)
                        {
                            var (replicas, average) = calculator.PerPodReplicas(statusReplicas, value, Quantity.Milli(av), tol);
                            return new MetricResult("Object", name, replicas, null, average, null, null);
                        }
                        throw new MetricUnavailableException("invalid object metric source: neither a value nor an average value target was set");
                    }
                    case "External":
                    {
                        var target = metric.External!.Target;
                        var values = source.ExternalMetric(name);
                        if (values is null || values.Count == 0) throw new MetricUnavailableException("no metrics returned from external metrics API");
                        var usage = values.Aggregate(0L, (sum, x) => sum > long.MaxValue - x ? long.MaxValue : sum + x);
                        if (target.AverageValue is { } av)
                        {
                            var (replicas, average) = calculator.PerPodReplicas(statusReplicas, usage, Quantity.Milli(av), tol);
                            return new MetricResult("External", name, replicas, null, average, null, null);
                        }
                        if (target.Value is { } v)
                            return new MetricResult("External", name, calculator.UsageRatioReplicas(specReplicas, usage / (double)Quantity.Milli(v), source, tol), null, null, usage, null);
                        throw new MetricUnavailableException("invalid external metric source: neither a value nor an average value target was set");
                    }
                    default:
                        return new MetricResult(metric.Type, name, null, null, null, null, "InvalidMetricSourceType");
                }
            }
            catch (MetricUnavailableException)
            {
                return new MetricResult(metric.Type, name, null, null, null, null, failure);
            }
        }

        private int Normalize(int current, int prenormalized, int min) =>
            _behavior is null ? NormalizeLegacy(current, prenormalized, min) : NormalizeWithBehaviors(current, prenormalized, min);

        // ---- spec.behavior == nil ----

        private int NormalizeLegacy(int current, int prenormalized, int min)
        {
            var stabilized = StabilizeLegacy(prenormalized);
            SetCondition("AbleToScale", true, stabilized != prenormalized ? "ScaleDownStabilized" : "ReadyForNewScale");
            var limit = (int)Math.Max(HpaControllerSettings.ScaleUpLimitFactor * current, HpaControllerSettings.ScaleUpLimitMinimum);
            var (maximumAllowed, reason) = spec.MaxReplicas > limit ? (limit, "ScaleUpLimit") : (spec.MaxReplicas, "TooManyReplicas");
            var (desired, limited) = stabilized < min ? (min, "TooFewReplicas")
                : stabilized > maximumAllowed ? (maximumAllowed, reason)
                : (stabilized, "DesiredWithinRange");
            SetCondition("ScalingLimited", desired != stabilized, limited);
            return desired;
        }

        /// <summary>stabilizeRecommendation: the highest recommendation within the window (samples at the cutoff count).</summary>
        private int StabilizeLegacy(int prenormalized)
        {
            var recommendations = state.Recommendations!;
            var max = prenormalized;
            var cutoff = now - Settings.DownscaleStabilizationWindow;
            var oldIndex = -1;
            for (var i = 0; i < recommendations.Count; i++)
            {
                if (recommendations[i].Timestamp < cutoff) oldIndex = i;
                else if (recommendations[i].Replicas > max) max = recommendations[i].Replicas;
            }
            Record(oldIndex, prenormalized);
            return max;
        }

        private void Record(int oldIndex, int replicas)
        {
            if (oldIndex >= 0) state.Recommendations![oldIndex] = new Recommendation(replicas, now);
            else state.Recommendations!.Add(new Recommendation(replicas, now));
        }

        // ---- spec.behavior set ----

        private int NormalizeWithBehaviors(int current, int prenormalized, int min)
        {
            var (stabilized, reason) = StabilizeWithBehaviors(current, prenormalized);
            SetCondition("AbleToScale", true, stabilized != prenormalized ? reason : "ReadyForNewScale");
            var (desired, limited) = ConvertWithBehaviorRate(current, stabilized, min);
            SetCondition("ScalingLimited", desired != stabilized, limited);
            return desired;
        }

        /// <summary>stabilizeRecommendationWithBehaviors: clamp current between the lowest recent (up window) and highest recent (down window).</summary>
        private (int Replicas, string Reason) StabilizeWithBehaviors(int current, int desired)
        {
            var upCutoff = now - TimeSpan.FromSeconds(_behavior!.ScaleUp!.StabilizationWindowSeconds!.Value);
            var downCutoff = now - TimeSpan.FromSeconds(_behavior.ScaleDown!.StabilizationWindowSeconds!.Value);
            int up = desired, down = desired, oldIndex = -1;
            var recommendations = state.Recommendations!;
            for (var i = 0; i < recommendations.Count; i++)
            {
                var r = recommendations[i];
                if (r.Timestamp > upCutoff) up = Math.Min(r.Replicas, up);
                if (r.Timestamp > downCutoff) down = Math.Max(r.Replicas, down);
                if (r.Timestamp < upCutoff && r.Timestamp < downCutoff) oldIndex = i;
            }
            var recommendation = current;
            if (recommendation < up) recommendation = up;
            if (recommendation > down) recommendation = down;
            Record(oldIndex, desired);
            return (recommendation, desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized");
        }

        private (int Replicas, string Reason) ConvertWithBehaviorRate(int current, int desired, int min)
        {
            if (desired > current)
            {
                var limit = Math.Max(current, ScaleUpLimit(current, _behavior!.ScaleUp!));
                var (allowed, reason) = spec.MaxReplicas > limit ? (limit, "ScaleUpLimit") : (spec.MaxReplicas, "TooManyReplicas");
                if (desired > allowed) return (allowed, reason);
            }
            else if (desired < current)
            {
                var limit = Math.Min(current, ScaleDownLimit(current, _behavior!.ScaleDown!));
                var (allowed, reason) = min < limit ? (limit, "ScaleDownLimit") : (min, "TooFewReplicas");
                if (desired < allowed) return (allowed, reason);
            }
            return (desired, "DesiredWithinRange");
        }

        /// <summary>The replicas changed within the last <paramref name="periodSeconds"/> (strictly after the cutoff).</summary>
        private int ChangeInPeriod(int periodSeconds, List<ScaleEvent> events)
        {
            var cutoff = now - TimeSpan.FromSeconds(periodSeconds);
            return events.Where(e => e.Timestamp > cutoff).Sum(e => e.ReplicaChange);
        }

        private int PeriodStart(int current, HpaScalingPolicy policy) =>
            current - ChangeInPeriod(policy.PeriodSeconds, state.ScaleUpEvents) + ChangeInPeriod(policy.PeriodSeconds, state.ScaleDownEvents);

        /// <summary>calculateScaleUpLimitWithScalingRules.</summary>
        private int ScaleUpLimit(int current, HpaScalingRules rules)
        {
            if (rules.SelectPolicy == "Disabled") return current;
            var useMin = rules.SelectPolicy == "Min";
            var result = useMin ? int.MaxValue : int.MinValue;
            foreach (var policy in rules.Policies!)
            {
                var start = PeriodStart(current, policy);
                var proposed = policy.Type == "Pods" ? start + policy.Value : (int)Math.Ceiling(start * (1 + policy.Value / 100.0));
                result = useMin ? Math.Min(result, proposed) : Math.Max(result, proposed);
            }
            return result;
        }

        /// <summary>calculateScaleDownLimitWithBehaviors (Percent truncates toward zero, as Go's int32 conversion).</summary>
        private int ScaleDownLimit(int current, HpaScalingRules rules)
        {
            if (rules.SelectPolicy == "Disabled") return current;
            var useMin = rules.SelectPolicy == "Min";
            var result = useMin ? int.MinValue : int.MaxValue;
            foreach (var policy in rules.Policies!)
            {
                var start = PeriodStart(current, policy);
                var proposed = policy.Type == "Pods" ? start - policy.Value : (int)(start * (1 - policy.Value / 100.0));
                result = useMin ? Math.Max(result, proposed) : Math.Min(result, proposed);
            }
            return result;
        }

        /// <summary>storeScaleEvent: after a successful rescale, with behavior set; recycles the last outdated event.</summary>
        private void StoreScaleEvent(int previous, int next)
        {
            if (_behavior is null) return;
            var (rules, events, change) = next > previous
                ? (_behavior.ScaleUp!, state.ScaleUpEvents, next - previous)
                : (_behavior.ScaleDown!, state.ScaleDownEvents, previous - next);
            var longest = rules.Policies!.Select(p => p.PeriodSeconds).DefaultIfEmpty(0).Max();
            var cutoff = now - TimeSpan.FromSeconds(longest);
            foreach (var e in events) if (e.Timestamp < cutoff) e.Outdated = true;
            var lastOutdated = events.FindLastIndex(e => e.Outdated);
            if (lastOutdated >= 0)
            {
                events[lastOutdated].ReplicaChange = change;
                events[lastOutdated].Timestamp = now;
                events[lastOutdated].Outdated = false;
            }
            else
            {
                events.Add(new ScaleEvent(change, now));
            }
        }
    }
}
