using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;
using static Infra.Rehearsal.Tests.Fixtures;

namespace Infra.Rehearsal.Tests.Simulation;

/// <summary>
/// <c>web.platform: eks</c>: the API's pods scaled by their HPA (the source document's CPU 70 %, memory 80 %, scale-up
/// max(100 %, 2 pods) per 30 s), scheduled on the workers' nodes, serving only after the target group's health checks.
/// </summary>
public class WebPodsRehearsalTests
{
    private static readonly ScalingPolicies Policies = new("prod", WebPods(), Workers());

    /// <summary>Requests that cost 10 ms of CPU each: 400 users need about 8 pods at 70 % of a 500m request.</summary>
    private static Calibration Heavy => Calibration() with
    {
        Requests = new Dictionary<string, Calibration.RequestCost> { ["listWorkflows"] = new(10, 0), ["executeWorkflow"] = new(10, 0) },
    };

    private static RehearsalResult Run(ScalingPolicies policies, Workflows.LoadProfiles.LoadProfile profile, Calibration calibration, params (string Key, string Value)[] sets)
    {
        var p = new ModelParameters();
        foreach (var (k, v) in sets) p.Set(k, v);
        return new Rehearsal.Simulation.Rehearsal(policies, profile, calibration, p).Run();
    }

    [Fact]
    public void Api_pods_scale_out_on_cpu_within_the_hpa_behaviour_and_serve_after_the_health_checks()
    {
        var result = Run(Policies, Profile(Stage("1m", 50), Stage("1m", 400), Stage("8m", 400)), Heavy);
        var series = result.Series;
        Assert.Equal((3, 3), (series[0].WebServing, series[0].WorkersReady)); // the tiers' pods are counted apart

        var peak = series.Max(s => s.WebDesired);
        Assert.InRange(peak, 7, 10);
        // Scale-up: within any 30 s at most max(100 %, 2 pods) more than at its start.
        for (var i = 0; i + 30 < series.Count; i++)
            Assert.True(series[i + 30].WebDesired <= Math.Max(2 * series[i].WebDesired, series[i].WebDesired + 2),
                $"{series[i].WebDesired} → {series[i + 30].WebDesired} pods between {series[i].T} s and {series[i + 30].T} s");
        // A new pod starts (20 s), turns ready (5 + 5 s) and passes 2 health checks 15 s apart before the ALB routes to it.
        var firstRise = series.First(s => s.WebDesired > 3).T;
        var firstServing = series.First(s => s.WebServing > 3).T;
        Assert.True(firstServing - firstRise >= 60, $"desired rose at {firstRise} s, a new pod served at {firstServing} s");
        Assert.Equal(peak, series[^1].WebServing);
        Assert.True(result.Passed, string.Join(", ", result.Slo.Select(s => $"{s.Name} {s.Measured}")));
        Assert.Equal("pods", result.WebUnit);
        Assert.Contains(result.Tiers, t => t.Tier == "web (EKS pods, HPA)");
    }

    [Fact]
    public void Fewer_pods_than_the_load_needs_breach_the_latency_slo()
    {
        var capped = Policies with { WebPods = WebPods(min: 2, max: 2) };
        var result = Run(capped, Profile(Stage("1m", 50), Stage("1m", 400), Stage("8m", 400)), Heavy);
        Assert.False(result.Passed);
        Assert.Contains(result.Findings, f => f.Contains("maxReplicas 2"));
    }

    [Fact]
    public void A_working_set_above_the_memory_target_holds_the_api_at_its_maximum_and_is_a_finding()
    {
        var light = Profile(Stage("10m", 10));
        var calm = Run(Policies, light, Calibration());
        Assert.Equal(3, calm.Series.Max(s => s.WebDesired));
        Assert.DoesNotContain(calm.Findings, f => f.Contains("working set"));

        // 480 MiB of a 512 MiB request is 94 %, above the 80 % target, whatever the load.
        var swollen = Run(Policies, light, Calibration(), ("webPods.memoryMiB", "480"));
        Assert.Equal(10, swollen.Series.Max(s => s.WebDesired));
        Assert.Contains(swollen.Findings, f => f.Contains("working set") && f.Contains("94 %"));
    }

    [Fact]
    public void Api_and_worker_pods_share_the_nodes_and_the_autoscaler_adds_nodes_for_either()
    {
        var p = new ModelParameters();
        var cluster = new ClusterModel(Workers(nodesMax: 6), p, (WebPods().Pod, 3));
        Assert.Equal((3, 3), (cluster.PodsOf(cluster.Workers).Count(), cluster.PodsOf(cluster.Api!).Count()));
        // m6i.xlarge: room for 6 pods of 500m on each of the 3 base nodes (18); 10 API + 20 worker pods leave 12 pending.
        cluster.SetReplicas(cluster.Api!, 10, 0);
        cluster.SetReplicas(20, 0);
        for (var t = 0; t < 5; t++) { if (t % 10 == 0) cluster.Autoscale(t); cluster.Step(t); }
        Assert.Equal(12, cluster.Pending);
        Assert.Equal(5, cluster.NodesDesired);
        for (var t = 5; t < 200; t++) { if (t % 10 == 0) cluster.Autoscale(t); cluster.Step(t); }
        Assert.Equal(0, cluster.Pending);
        Assert.Equal((20, 10), (cluster.PodsOf(cluster.Workers).Count(x => x.Ready(200)), cluster.PodsOf(cluster.Api!).Count(x => x.Ready(200))));
    }

    [Theory]
    [InlineData("web.maxCapacity", "12", "runs its web tier as pods (web.platform: eks)")]
    [InlineData("webPods.cpuTargetPercent", "50", null)]
    [InlineData("webPods.maxReplicas", "20", null)]
    public void What_ifs_name_the_platform_they_belong_to(string key, string value, string? error)
    {
        if (error is not null)
        {
            var e = Assert.Throws<ArgumentException>(() => PolicyOverrides.Apply(Policies, key, value));
            Assert.Contains(error, e.Message);
            Assert.Contains("webPods.maxReplicas", e.Message);
            return;
        }
        var changed = PolicyOverrides.Apply(Policies, key, value).WebPods!;
        if (key == "webPods.maxReplicas") Assert.Equal(20, changed.Hpa.MaxReplicas);
        else Assert.Equal(50, changed.Hpa.Metrics.Single(m => m.Resource!.Name == "cpu").Resource!.Target.AverageUtilization);
        var asg = new ScalingPolicies("prod", Web(), Workers());
        Assert.Contains("web.platform: asg", Assert.Throws<ArgumentException>(() => PolicyOverrides.Apply(asg, key, value)).Message);
    }
}
