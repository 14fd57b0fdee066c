using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Workflows.LoadProfiles;

namespace Infra.Rehearsal.Simulation.WebTiers;

/// <summary>
/// <c>web.platform: asg</c>: EC2 instances of an Auto Scaling group. EC2 publishes CPUUtilization every minute (detailed
/// monitoring) or five, the ALB its request count per target every minute; the group evaluates its alarms once a minute
/// and instances serve after booting and passing the target group's health checks.
/// </summary>
public sealed class AsgWebTier : IWebTier
{
    private readonly WebTierPolicies _web;
    private readonly ModelParameters _p;
    private readonly LoadProfile _profile;
    private readonly Calibration _calibration;
    private readonly AutoScalingGroupModel _asg;
    private readonly Dictionary<string, MetricStream> _metrics;
    private readonly int _cpuPeriod, _vcpus;
    private readonly double _cpuWarmup;
    private double _minuteRequests, _minuteTargets, _cpuSum, _cpuPeriodStart;
    private int _minuteTicks, _cpuTicks, _minServing = int.MaxValue, _peakServing;

    public AsgWebTier(WebTierPolicies web, string environment, ModelParameters p, IReadOnlyDictionary<string, MetricStream> signals, LoadProfile profile, Calibration calibration)
    {
        (_web, _p, _profile, _calibration) = (web, p, profile, calibration);
        _vcpus = InstanceTypes.Of(web.InstanceType, $"{environment}-web launch template").VCpus;
        _cpuPeriod = web.DetailedMonitoring ? 60 : 300; // EC2 basic monitoring publishes CPUUtilization every 5 minutes
        _metrics = new Dictionary<string, MetricStream>
        {
            ["ASGAverageCPUUtilization"] = new(_cpuPeriod, p["cloudwatch.ingestDelaySeconds"]),
            ["ALBRequestCountPerTarget"] = new(60, p["cloudwatch.ingestDelaySeconds"]),
        };
        _asg = new AutoScalingGroupModel(web, p, signals, m => _metrics[m]);
        _cpuWarmup = _asg.Tracking.FirstOrDefault(x => x.Policy.Metric == "ASGAverageCPUUtilization")?.WarmupSeconds ?? 300;
        Load = new WebTierLoad(_vcpus, p["web.instanceSpeed"], p["web.idleCpuPercent"], p["web.requestTimeoutSeconds"], p["web.networkMilliseconds"]);
    }

    public string Title => "web (EC2 Auto Scaling)";
    public string Unit => "instances";
    public int MaxCapacity => _web.MaxCapacity;
    public int Desired => _asg.Desired;
    public WebTierLoad Load { get; }
    private double CpuTarget => _web.TargetTracking.FirstOrDefault(x => x.Metric == "ASGAverageCPUUtilization")?.TargetValue ?? 70;

    public int Serving(double t) => _asg.Live.Count(i => i.Serving(t));
    public int InService(double t) => _asg.Live.Count(i => i.InService(t));

    public void Observe(double t, double dt, WebTierLoad.Tick tick, double requestsPerSecond, int serving)
    {
        _minuteRequests += requestsPerSecond * dt;
        _minuteTargets += serving; _minuteTicks++;
        // ASGAverageCPUUtilization leaves out instances still in their warm-up.
        if (_asg.Live.Any(i => i.InService(t) && !i.Warming(t, _cpuWarmup))) { _cpuSum += tick.CpuPercent; _cpuTicks++; }
        _minServing = Math.Min(_minServing, serving); _peakServing = Math.Max(_peakServing, serving);
    }

    public void MinuteEnded(double end)
    {
        _metrics["ALBRequestCountPerTarget"].Add(end, _minuteTargets > 0 ? _minuteRequests / (_minuteTargets / _minuteTicks) : 0);
        _minuteRequests = 0; _minuteTargets = 0; _minuteTicks = 0;
        if (end - _cpuPeriodStart >= _cpuPeriod)
        {
            if (_cpuTicks > 0) _metrics["ASGAverageCPUUtilization"].Add(end, _cpuSum / _cpuTicks);
            _cpuSum = 0; _cpuTicks = 0; _cpuPeriodStart = end;
        }
        _asg.Evaluate(end); // alarms are evaluated, and act, once a minute
    }

    public void Step(double t) => _asg.Reconcile(t, _web.HealthCheckIntervalSeconds, _web.HealthyThresholdCount);

    public bool Enough(WebTierLoad.Tick tick, int serving) => tick.Utilization * 100 <= CpuTarget && tick.BacklogSeconds == 0 && serving > 0;

    public IReadOnlyList<(string Name, string Value)> ReportRows() =>
    [
        ("instances serving, min / peak", $"{_minServing} / {_peakServing}"),
        ("scale-outs / scale-ins", $"{_asg.ScaleOuts} / {_asg.ScaleIns}"),
    ];

    public IEnumerable<string> Describe()
    {
        var web = _web;
        yield return $"web: Auto Scaling group {web.MinCapacity}-{web.MaxCapacity} (desired {web.DesiredCapacity}) of {web.InstanceType}, " +
            $"health check grace {web.HealthCheckGraceSeconds} s, target group healthy after {web.HealthyThresholdCount} × {web.HealthCheckIntervalSeconds} s, " +
            $"{(web.DetailedMonitoring ? "detailed" : "basic")} monitoring, default warm-up {(web.DefaultInstanceWarmupSeconds is { } dw ? $"{dw} s" : $"unset (cooldown {web.DefaultCooldownSeconds} s)")}";
        foreach (var t in web.TargetTracking)
            yield return $"web: target tracking {t.Name}: {t.Metric} at {t.TargetValue}{(t.DisableScaleIn ? ", no scale-in" : "")}, warm-up {t.EstimatedInstanceWarmupSeconds?.ToString() ?? "default"}";
        foreach (var s in web.StepScaling)
            yield return $"web: step scaling {s.Name}: {s.Alarm.Metric} {s.Alarm.Statistic} {s.Alarm.ComparisonOperator} {s.Alarm.Threshold} " +
                $"({s.Alarm.DatapointsToAlarm} of {s.Alarm.EvaluationPeriods} × {s.Alarm.PeriodSeconds} s): " +
                string.Join(", ", s.Steps.Select(x => $"[{x.LowerBound?.ToString() ?? "-∞"}, {x.UpperBound?.ToString() ?? "+∞"}) {x.Adjustment:+0;-0}")) + $", warm-up {s.EstimatedInstanceWarmupSeconds?.ToString() ?? "default"}";
    }

    public IEnumerable<string> Findings()
    {
        if (!_web.DetailedMonitoring && _web.TargetTracking.Any(t => t.Metric == "ASGAverageCPUUtilization"))
            yield return "The launch template leaves EC2 detailed monitoring off: CPUUtilization arrives every 5 minutes, so the CPU target-tracking policy needs 3 × 5 = 15 minutes of breach to scale out. Enable detailed monitoring (1-minute data).";
        if (_web.DefaultInstanceWarmupSeconds is null && _web.TargetTracking.Any(t => t.EstimatedInstanceWarmupSeconds is null))
            yield return $"The group sets no default instance warm-up: target tracking falls back to the default cooldown ({_web.DefaultCooldownSeconds} s), and scale-in waits for it after every scale-out.";
    }

    public IEnumerable<string> OutcomeFindings(IReadOnlyList<Sample> series, double maxCpuPercent)
    {
        if (series.FirstOrDefault(s => s.WebDesired >= _web.MaxCapacity) is { } atMax)
            yield return $"The web tier reached its maximum of {_web.MaxCapacity} instances at minute {atMax.T / 60:0.#} ({_asg.LastAction} set it last) with CPU peaking at {maxCpuPercent:0} %.";
        if (_web.TargetTracking.FirstOrDefault(t => t.Metric == "ALBRequestCountPerTarget") is { } requests)
        {
            var perRequestMs = _profile.Requests.Average(r => _calibration.Requests[r.Name].CpuMilliseconds) / _p["web.instanceSpeed"];
            var cpuAtTarget = requests.TargetValue / 60 * perRequestMs / (_vcpus * 1000) * 100;
            if (cpuAtTarget < 20)
                yield return $"At its target of {requests.TargetValue:0} requests per instance per minute an instance runs at about {cpuAtTarget:0.#} % CPU (calibrated cost {perRequestMs:0.###} ms a request): " +
                    "the request-count policy, not CPU, decides the web tier's size. Raise the target to what an instance serves at the CPU target, or drop the policy.";
        }
    }

    public string Assumption => $"web: {_web.InstanceType} = {_vcpus} vCPU at speed {_p["web.instanceSpeed"]}";
}
