using Infra.Rehearsal.Kubernetes;

namespace Infra.Rehearsal.Tests.Kubernetes;

/// <summary>
/// The seed's HPA behaviour on the rehearsal's HPA model, sync by sync: scale-up allows the larger of 100 % and 2 pods
/// per 30 s (selectPolicy Max); scale-down waits out the 5-minute window, then halves at most per 60 s.
/// </summary>
public class HpaBehaviorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class NoMetrics : IHpaMetrics
    {
        public IReadOnlyList<PodInfo> Pods => [];
        public IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container) => null;
        public IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name) => null;
        public long? ObjectMetric(string name) => null;
        public IReadOnlyList<long>? ExternalMetric(string name) => null;
    }

    /// <summary>Syncs every 15 s with the metrics always asking for <paramref name="wanted"/>; returns the replicas after each sync.</summary>
    private static List<int> Syncs(HpaBehavior behavior, int start, int wanted, int syncs, int max = 100)
    {
        var spec = new HpaSpec { MinReplicas = 1, MaxReplicas = max, Behavior = behavior };
        var hpa = new HorizontalPodAutoscaler(new HpaControllerSettings());
        var state = new HpaState();
        var replicas = start;
        var result = new List<int>();
        for (var i = 0; i < syncs; i++)
        {
            var decision = hpa.Sync(spec, state, replicas, replicas, replicas, new NoMetrics(), T0 + TimeSpan.FromSeconds(15 * i), proposed: wanted);
            replicas = decision.DesiredReplicas;
            result.Add(replicas);
        }
        return result;
    }

    [Fact]
    public void Percent_100_per_30s_beats_pods_2_per_30s_from_three_pods_and_the_period_caps_the_second_sync()
    {
        // 3 → max(3 + 2, 2 × 3) = 6; 15 s later the period still holds the +3: limit stays 6; then 12, 24.
        Assert.Equal([6, 6, 12, 12, 24], Syncs(Fixtures.SeedBehavior, start: 3, wanted: 40, syncs: 5));
    }

    [Fact]
    public void Pods_2_per_30s_beats_percent_100_per_30s_from_one_pod()
    {
        // 1 → max(1 + 2, 2 × 1) = 3, then max(5, 6) = 6.
        Assert.Equal([3, 3, 6], Syncs(Fixtures.SeedBehavior, start: 1, wanted: 40, syncs: 3));
    }

    [Fact]
    public void Select_policy_min_takes_the_smaller_of_the_two_policies()
    {
        var min = Fixtures.SeedBehavior with { ScaleUp = Fixtures.SeedBehavior.ScaleUp! with { SelectPolicy = "Min" } };
        // 3 → min(5, 6) = 5; 10 → min(12, 20) = 12 …
        Assert.Equal([5, 5, 7, 7, 9], Syncs(min, start: 3, wanted: 40, syncs: 5));
    }

    [Fact]
    public void Scale_down_waits_for_the_five_minute_window_then_halves_at_most_every_sixty_seconds()
    {
        var replicas = Syncs(Fixtures.SeedBehavior, start: 20, wanted: 1, syncs: 30);
        // The window remembers the first sync's 20 for 300 s (strictly after the cutoff), so 20 holds for 20 syncs.
        Assert.All(replicas.Take(20), r => Assert.Equal(20, r));
        Assert.Equal(10, replicas[20]);     // then −50 % of 20
        Assert.Equal(10, replicas[23]);     // the 60 s period still holds the −10
        Assert.Equal(5, replicas[24]);      // then −50 % of 10
    }
}
