using Infra.Rehearsal.Policies;

namespace Infra.Rehearsal.Aws;

/// <summary>An EC2 instance of the group: launched, in service after booting, healthy in the target group, warming.</summary>
public sealed class Ec2Instance(int id, double launchedAt, double inServiceAt, double healthyAt)
{
    public int Id { get; } = id;
    public double LaunchedAt { get; } = launchedAt;
    /// <summary>The service answers; the instance's warm-up counts from here.</summary>
    public double InServiceAt { get; } = inServiceAt;
    /// <summary>The target group marked it healthy: the ALB routes to it.</summary>
    public double HealthyAt { get; } = healthyAt;
    public double? TerminatingAt { get; set; }

    public bool InService(double t) => TerminatingAt is null && t >= InServiceAt;
    public bool Serving(double t) => TerminatingAt is null && t >= HealthyAt;
    public bool Warming(double t, double warmupSeconds) => TerminatingAt is null && t < InServiceAt + warmupSeconds;
}

/// <summary>
/// EC2 Auto Scaling for the web tier: desired capacity between min and max, instances launched and terminated to
/// match it, target-tracking policies with the two alarms AWS creates (3 of 3 above target to scale out, 15 of 15
/// below 90 % of it to scale in; both named parameters), step-scaling policies with their alarms, warm-up, and the
/// rule that the largest capacity any triggered policy asks for wins (AWS: "chooses the policy that provides the
/// largest capacity for both scale out and scale in").
/// </summary>
public sealed class AutoScalingGroupModel
{
    private readonly WebTierPolicies _policy;
    private readonly double _bootSeconds;
    private readonly List<TrackedPolicy> _tracking = [];
    private readonly List<(StepScalingPolicy Policy, AlarmEvaluator Alarm)> _steps = [];
    private int _nextId;

    public sealed record TrackedPolicy(TargetTrackingPolicy Policy, MetricStream Metric, AlarmEvaluator High, AlarmEvaluator Low, double WarmupSeconds);

    public AutoScalingGroupModel(WebTierPolicies policy, Simulation.ModelParameters p, IReadOnlyDictionary<string, MetricStream> signals, Func<string, MetricStream> webMetric)
    {
        _policy = policy;
        _bootSeconds = p["web.instanceBootSeconds"];
        Desired = policy.DesiredCapacity;
        foreach (var tt in policy.TargetTracking)
        {
            var metric = tt.Metric switch
            {
                "ASGAverageCPUUtilization" or "ALBRequestCountPerTarget" => webMetric(tt.Metric),
                var signal => signals.TryGetValue(signal, out var s) ? s : throw new PolicyNotUnderstoodException(tt.Name, $"target tracking on {signal}"),
            };
            var low = tt.TargetValue * p["tt.lowThresholdFactor"];
            _tracking.Add(new TrackedPolicy(tt, metric,
                new AlarmEvaluator(metric, (int)p["tt.highDatapoints"], (int)p["tt.highDatapoints"], v => v > tt.TargetValue),
                new AlarmEvaluator(metric, (int)p["tt.lowDatapoints"], (int)p["tt.lowDatapoints"], v => v < low),
                tt.EstimatedInstanceWarmupSeconds ?? policy.DefaultInstanceWarmupSeconds ?? policy.DefaultCooldownSeconds));
        }
        foreach (var step in policy.StepScaling)
        {
            var a = step.Alarm;
            var stream = signals.TryGetValue(a.Metric, out var s) ? s : throw new PolicyNotUnderstoodException(a.Name, $"an alarm on {a.Metric}");
            _steps.Add((step, new AlarmEvaluator(stream, a.EvaluationPeriods, a.DatapointsToAlarm, a.Breaches)));
        }
        for (var i = 0; i < Desired; i++) Instances.Add(new Ec2Instance(_nextId++, -3600, -3600, -3600)); // running, healthy and warm at the start
    }

    public int Desired { get; private set; }
    public List<Ec2Instance> Instances { get; } = [];
    public IReadOnlyList<TrackedPolicy> Tracking => _tracking;
    public int ScaleOuts { get; private set; }
    public int ScaleIns { get; private set; }
    /// <summary>The policy that set the desired capacity last, for the time series.</summary>
    public string LastAction { get; private set; } = "";

    public IEnumerable<Ec2Instance> Live => Instances.Where(i => i.TerminatingAt is null);

    /// <summary>Launches or terminates instances to match the desired capacity (newest first out).</summary>
    public void Reconcile(double t, int healthCheckIntervalSeconds, int healthyThreshold)
    {
        var live = Live.ToList();
        for (var i = live.Count; i < Desired; i++)
        {
            var inService = t + _bootSeconds;
            Instances.Add(new Ec2Instance(_nextId++, t, inService, inService + healthCheckIntervalSeconds * healthyThreshold));
        }
        foreach (var extra in live.OrderByDescending(i => i.LaunchedAt).Take(Math.Max(0, live.Count - Desired)))
            extra.TerminatingAt = t; // deregistered from the target group at once; the ALB stops routing to it
    }

    /// <summary>Once a minute: evaluate every alarm, collect what each triggered policy asks for, apply the largest.</summary>
    public void Evaluate(double t)
    {
        foreach (var tt in _tracking) { tt.High.Evaluate(t); tt.Low.Evaluate(t); }
        foreach (var (_, alarm) in _steps) alarm.Evaluate(t);

        var proposals = new List<(int Capacity, string Policy)>();
        var inService = Live.Where(i => i.InService(t)).ToList();
        var scaleOutInProgress = Live.Any(i => !i.InService(t));
        // Scale in by target tracking only when every target-tracking policy that may scale in agrees.
        var allReadyToScaleIn = _tracking.Where(x => !x.Policy.DisableScaleIn).All(x => x.Low.InAlarm);
        foreach (var tt in _tracking)
        {
            var metric = tt.Metric.Latest(t);
            if (metric is null) continue;
            var settled = inService.Count(i => !i.Warming(t, tt.WarmupSeconds));
            if (tt.High.InAlarm)
            {
                // Warming instances are not current capacity, but already count toward desired: add only what is missing.
                var basis = Math.Max(settled, 1);
                proposals.Add((Math.Max(Desired, (int)Math.Ceiling(basis * metric.Value / tt.Policy.TargetValue)), tt.Policy.Name));
            }
            else if (tt.Low.InAlarm && allReadyToScaleIn && !tt.Policy.DisableScaleIn && settled == inService.Count && !scaleOutInProgress)
            {
                // Removing capacity must not push the metric back over the target: round the capacity up.
                var needed = (int)Math.Ceiling(inService.Count * metric.Value / tt.Policy.TargetValue);
                if (needed < Desired) proposals.Add((needed, tt.Policy.Name));
            }
        }
        foreach (var (step, alarm) in _steps)
        {
            if (!alarm.InAlarm || alarm.Current(t) is not { } value) continue;
            var warmup = step.EstimatedInstanceWarmupSeconds ?? _policy.DefaultInstanceWarmupSeconds ?? _policy.DefaultCooldownSeconds;
            var diff = value - step.Alarm.Threshold;
            var above = diff >= 0;
            var match = step.Steps.FirstOrDefault(s => above
                ? (s.LowerBound is null || diff >= s.LowerBound) && (s.UpperBound is null || diff < s.UpperBound)
                : (s.LowerBound is null || diff > s.LowerBound) && (s.UpperBound is null || diff <= s.UpperBound));
            if (match is null) continue;
            var warming = Live.Count(i => i.Warming(t, warmup));
            var current = Desired;
            var target = step.AdjustmentType switch
            {
                "ExactCapacity" => match.Adjustment,
                "PercentChangeInCapacity" => current + PercentChange(current, match.Adjustment, step.MinAdjustmentMagnitude),
                _ => current + match.Adjustment,
            };
            if (target > current)
                // While instances warm up, a repeated breach of the same step adds only the difference.
                proposals.Add((Math.Max(current, current - warming + (target - current)), step.Name));
            else if (target < current && warming == 0 && !scaleOutInProgress)
                proposals.Add((target, step.Name));
        }
        if (proposals.Count == 0) return;
        var (capacity, policy) = proposals.MaxBy(p => p.Capacity);
        var next = Math.Clamp(capacity, _policy.MinCapacity, _policy.MaxCapacity);
        if (next > Desired) ScaleOuts++;
        else if (next < Desired) ScaleIns++;
        else return;
        Desired = next;
        LastAction = policy;
    }

    /// <summary>PercentChangeInCapacity: truncated toward zero, at least 1 (or MinAdjustmentMagnitude) when not zero.</summary>
    private static int PercentChange(int current, int percent, int? minMagnitude)
    {
        var change = (int)(current * percent / 100.0);
        if (change == 0 && percent != 0) change = Math.Sign(percent);
        if (minMagnitude is { } m && Math.Abs(change) < m) change = Math.Sign(change) * m;
        return change;
    }

    /// <summary>Applies a what-if to the desired capacity bounds.</summary>
    public void SetDesired(int desired) => Desired = Math.Clamp(desired, _policy.MinCapacity, _policy.MaxCapacity);
}
