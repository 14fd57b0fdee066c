using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Simulation;

namespace Infra.Rehearsal.Tests.Kubernetes;

/// <summary>
/// Scheduling and the Cluster Autoscaler as the upstream FAQ describes them: pods that fit nowhere stay pending and a
/// scan adds nodes for them (within the group's maximum); an under-used node goes after 10 minutes unneeded, and not
/// within 10 minutes of a scale-up.
/// </summary>
public class ClusterModelTests
{
    private static void Run(ClusterModel cluster, double from, double to)
    {
        for (var t = from; t < to; t++)
        {
            if (t % 10 == 0) cluster.Autoscale(t);
            cluster.Step(t);
        }
    }

    [Fact]
    public void Pods_that_fit_nowhere_stay_pending_until_the_autoscaler_adds_nodes_within_the_maximum()
    {
        var cluster = new ClusterModel(Fixtures.Workers(nodesMax: 5), new ModelParameters());
        // m6i.xlarge: 3920m allocatable, 125m daemon sets, a third of 1000m add-ons: 6 pods of 500m on each base node.
        cluster.SetReplicas(30, 0);
        Run(cluster, 0, 5);
        Assert.Equal(12, cluster.Pending);
        Assert.Equal(5, cluster.NodesDesired); // needs 2 more nodes (7 pods each): within the maximum of 5
        Run(cluster, 5, 200);                  // booting takes 90 s, starting 20 s
        Assert.Equal(0, cluster.Pending);
        Assert.Equal(30, cluster.Pods.Count(p => p.Ready(200)));

        cluster.SetReplicas(60, 200);
        Run(cluster, 200, 400);
        Assert.Equal(5, cluster.NodesDesired);  // at the maximum: the rest stays pending
        Assert.True(cluster.Pending > 0);
    }

    [Fact]
    public void An_unneeded_node_is_removed_only_after_ten_minutes_and_not_within_ten_minutes_of_a_scale_up()
    {
        var cluster = new ClusterModel(Fixtures.Workers(), new ModelParameters());
        cluster.SetReplicas(24, 0);
        Run(cluster, 0, 200);
        Assert.Equal(4, cluster.NodesDesired);
        cluster.SetReplicas(3, 200);
        Run(cluster, 200, 1100); // 10 minutes after the scale-up at 0, the extra node is unneeded from ~600 s
        Assert.Equal(4, cluster.NodesDesired);
        Run(cluster, 1100, 1300); // unneeded for 10 minutes: removed
        Assert.Equal(3, cluster.NodesDesired);
        Run(cluster, 1300, 3000);
        Assert.Equal(3, cluster.NodesDesired); // never below the group's minimum
    }
}
