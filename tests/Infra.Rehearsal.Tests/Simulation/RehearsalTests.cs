using System.Text.Json;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;
using static Infra.Rehearsal.Tests.Fixtures;

namespace Infra.Rehearsal.Tests.Simulation;

/// <summary>Known behaviours of the policies, reproduced by whole rehearsals.</summary>
public class RehearsalTests
{
    private static RehearsalResult Run(ScalingPolicies policies, Workflows.LoadProfiles.LoadProfile profile, Infra.Rehearsal.Load.Calibration? calibration = null, params (string Key, string Value)[] sets)
    {
        var p = new ModelParameters();
        foreach (var (k, v) in sets) p.Set(k, v);
        return new Rehearsal.Simulation.Rehearsal(policies, profile, calibration ?? Calibration(), p).Run();
    }

    private static ScalingPolicies Prod(WebTierPolicies? web = null, WorkerTierPolicies? workers = null) => new("prod", web ?? Web(), workers ?? Workers());

    [Fact]
    public void The_same_inputs_give_the_same_rehearsal()
    {
        var profile = Profile(Stage("1m", 100), Stage("2m", 500), Stage("2m", 500));
        var a = JsonSerializer.Serialize(Run(Prod(), profile, Calibration(executionMs: 200)).Series);
        var b = JsonSerializer.Serialize(Run(Prod(), profile, Calibration(executionMs: 200)).Series);
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_two_minute_ramp_to_500_users_is_met_by_enough_workers_within_a_few_minutes()
    {
        // 200 ms executions: 500 users make about 160 executions/s, which need ceil(160 × 0.2 / 8) = 4 pods of 8 slots
        // to keep up, and the QueueLength target of 10 per pod asks for more as the queue builds.
        var result = Run(Prod(), Profile(Stage("1m", 100), Stage("2m", 500), Stage("8m", 500)), Calibration(executionMs: 200));
        var rampEnd = 180;
        var ready = result.Series.First(s => s.T >= rampEnd + 180).WorkersReady;
        Assert.True(ready >= 4, $"only {ready} pods 3 minutes after the ramp");
        // The HPA acts on CloudWatch: nothing moves before the first QueueLength datapoint is readable (period + ingestion delay).
        var firstRise = result.Series.First(s => s.WorkersDesired > 3).T;
        Assert.True(firstRise >= 120, $"workers rose at {firstRise} s, before any QueueLength datapoint was readable");
        Assert.True(result.Passed, string.Join(", ", result.Slo.Select(s => $"{s.Name} {s.Measured}")));
    }

    [Fact]
    public void Web_capacity_is_not_removed_before_fifteen_minutes_of_low_load()
    {
        var web = Web(new TargetTrackingPolicy("requests", "ALBRequestCountPerTarget", 1000, false, null));
        var result = Run(Prod(web), Profile(Stage("30s", 500), Stage("10m", 500), Stage("30s", 0), Stage("30m", 0)));
        var peak = result.Series.Max(s => s.WebDesired);
        Assert.True(peak > 3, "the load never scaled the group out");
        var quietFrom = 660.0; // users are gone from 11 minutes
        var firstScaleIn = result.Series.Where(s => s.T > quietFrom).First(s => s.WebDesired < peak).T;
        Assert.True(firstScaleIn - quietFrom >= 15 * 60, $"scaled in {firstScaleIn - quietFrom} s after the load stopped");
    }

    [Fact]
    public void Too_few_workers_for_the_executions_breach_the_queue_wait_and_the_error_budget()
    {
        // 2 s executions at 500 users need 40 pods; the prod maximum is 20.
        var result = Run(Prod(), Profile(Stage("1m", 100), Stage("3m", 100), Stage("2m", 500), Stage("5m", 500), Stage("1m", 0)), Calibration(executionMs: 2000));
        Assert.False(result.Passed);
        Assert.Contains(result.Slo, s => s.Name == "queue wait p95" && !s.Met);
        Assert.Equal(20, result.Series.Max(s => s.WorkersReady));
        // With a maximum of 40 the same load is met (what-ifs compare two policies on the same load).
        var bigger = Run(Prod(workers: Workers(max: 40, nodesMax: 10)), Profile(Stage("1m", 100), Stage("3m", 100), Stage("2m", 500), Stage("5m", 500), Stage("1m", 0)), Calibration(executionMs: 2000));
        Assert.True(bigger.Slo.Single(s => s.Name == "queue wait p95").Measured < result.Slo.Single(s => s.Name == "queue wait p95").Measured);
    }

    [Fact]
    public void Basic_monitoring_on_a_cpu_target_is_reported_as_a_finding()
    {
        var result = Run(Prod(Web() with { DetailedMonitoring = false }), Profile(Stage("1m", 10)));
        Assert.Contains(result.Findings, f => f.Contains("detailed monitoring"));
        Assert.DoesNotContain(Run(Prod(), Profile(Stage("1m", 10))).Findings, f => f.Contains("detailed monitoring"));
    }
}
