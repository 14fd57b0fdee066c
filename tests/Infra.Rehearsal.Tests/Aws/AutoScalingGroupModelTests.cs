using Infra.Rehearsal.Aws;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;

namespace Infra.Rehearsal.Tests.Aws;

/// <summary>
/// EC2 Auto Scaling as AWS documents it (as-scaling-target-tracking, as-scaling-simple-step, default instance warm-up)
/// and as its consoles show the alarms it creates: 3 of 3 datapoints above the target to scale out, 15 of 15 below
/// 90 % of it to scale in, capacity ceil(N × metric / target), warming instances not counted and blocking scale-in.
/// </summary>
public class AutoScalingGroupModelTests
{
    private static (AutoScalingGroupModel Asg, MetricStream Cpu) Group(WebTierPolicies policy, double ingestDelay = 0)
    {
        var p = new ModelParameters();
        p.Set("cloudwatch.ingestDelaySeconds", ingestDelay.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cpu = new MetricStream(60, ingestDelay);
        var requests = new MetricStream(60, ingestDelay);
        var signals = new Dictionary<string, MetricStream> { ["ResponseTime"] = new(60, ingestDelay) };
        var asg = new AutoScalingGroupModel(policy, p, signals, m => m == "ASGAverageCPUUtilization" ? cpu : requests);
        return (asg, cpu);
    }

    /// <summary>Publishes one datapoint per minute and lets the group evaluate, returning desired capacity after each minute.</summary>
    private static List<int> Minutes(AutoScalingGroupModel asg, MetricStream metric, double start, params double[] values)
    {
        var desired = new List<int>();
        for (var i = 0; i < values.Length; i++)
        {
            var end = start + 60 * (i + 1);
            metric.Add(end, values[i]);
            asg.Evaluate(end);
            asg.Reconcile(end, 15, 2);
            desired.Add(asg.Desired);
        }
        return desired;
    }

    [Fact]
    public void Target_tracking_scales_out_after_three_breaching_minutes_to_ceil_of_capacity_times_metric_over_target()
    {
        var (asg, cpu) = Group(Fixtures.Web());
        var desired = Minutes(asg, cpu, 0, 93, 93, 93);
        // Two breaching datapoints: nothing. The third: ceil(3 × 93 / 70) = 4.
        Assert.Equal([3, 3, 4], desired);
    }

    [Fact]
    public void A_single_dip_below_the_target_resets_the_count()
    {
        var (asg, cpu) = Group(Fixtures.Web());
        Assert.Equal([3, 3, 3, 3, 3], Minutes(asg, cpu, 0, 93, 93, 60, 93, 93));
    }

    [Fact]
    public void No_scale_in_before_fifteen_consecutive_minutes_below_ninety_percent_of_the_target()
    {
        var (asg, cpu) = Group(Fixtures.Web() with { DesiredCapacity = 6 });
        // 50 % is below 0.9 × 70 = 63: 14 datapoints are not enough, the 15th scales in to ceil(6 × 50 / 70) = 5.
        var desired = Minutes(asg, cpu, 3600, Enumerable.Repeat(50.0, 15).ToArray());
        Assert.All(desired.Take(14), d => Assert.Equal(6, d));
        Assert.Equal(5, desired[14]);
        // 65 % is under the target but not under 63 %: never scales in.
        var (steady, steadyCpu) = Group(Fixtures.Web() with { DesiredCapacity = 6 });
        Assert.All(Minutes(steady, steadyCpu, 3600, Enumerable.Repeat(65.0, 30).ToArray()), d => Assert.Equal(6, d));
    }

    [Fact]
    public void Instances_warming_up_block_scale_in()
    {
        var (asg, cpu) = Group(Fixtures.Web() with { DefaultInstanceWarmupSeconds = 1200 });
        Minutes(asg, cpu, 0, 93, 93, 93);
        Assert.Equal(4, asg.Desired);
        // Launched at 180 s, in service at 270 s, warming until 1470 s. Fifteen low minutes end at 1080 s: still warming.
        var desired = Minutes(asg, cpu, 180, Enumerable.Repeat(20.0, 22).ToArray());
        var scaleIn = desired.FindIndex(d => d < 4);
        Assert.True(180 + 60 * (scaleIn + 1) >= 1470, $"scaled in at {180 + 60 * (scaleIn + 1)} s, while the new instance was warming");
    }

    [Fact]
    public void Warming_instances_are_not_current_capacity_when_scaling_out_again()
    {
        var (asg, cpu) = Group(Fixtures.Web() with { DefaultInstanceWarmupSeconds = 1200 });
        Minutes(asg, cpu, 0, 93, 93, 93);
        // Still 93 % on the 3 settled instances: ceil(3 × 93 / 70) = 4 again, which desired already is: no second launch.
        Assert.Equal([4, 4, 4], Minutes(asg, cpu, 180, 93, 93, 93));
        Assert.Equal(4, asg.Live.Count());
    }

    [Fact]
    public void Datapoints_count_only_after_the_ingestion_delay()
    {
        var (asg, cpu) = Group(Fixtures.Web(), ingestDelay: 60);
        // With a minute's delay the third breaching datapoint is readable one evaluation later.
        Assert.Equal([3, 3, 3, 4], Minutes(asg, cpu, 0, 93, 93, 93, 93));
    }

    [Fact]
    public void Step_scaling_picks_the_step_by_the_breach_above_the_threshold()
    {
        AutoScalingGroupModel Step(double p95)
        {
            var alarm = new AlarmDefinition("p95", "ResponseTime", "p95", 60, 3, 3, 500, "GreaterThanOrEqualToThreshold");
            var policy = Fixtures.Web() with
            {
                TargetTracking = [],
                StepScaling = [new StepScalingPolicy("up", "ChangeInCapacity", [new(null, 0, 0), new(0, 500, 1), new(500, null, 2)], 300, null, alarm)],
            };
            var p = new ModelParameters();
            p.Set("cloudwatch.ingestDelaySeconds", "0");
            var response = new MetricStream(60, 0);
            var asg = new AutoScalingGroupModel(policy, p, new Dictionary<string, MetricStream> { ["ResponseTime"] = response }, _ => new MetricStream(60, 0));
            Minutes(asg, response, 0, p95, p95, p95);
            return asg;
        }
        Assert.Equal(4, Step(800).Desired);  // 800 − 500 = 300 lies in [0, 500): +1
        Assert.Equal(5, Step(1100).Desired); // 600 lies in [500, ∞): +2
        Assert.Equal(3, Step(499).Desired);  // no breach
    }

    [Fact]
    public void Desired_capacity_stays_within_min_and_max()
    {
        var (asg, cpu) = Group(Fixtures.Web());
        var desired = Minutes(asg, cpu, 0, Enumerable.Repeat(100.0, 30).ToArray());
        Assert.Equal(10, desired.Max());
        Assert.Equal(10, asg.Desired);
    }
}
