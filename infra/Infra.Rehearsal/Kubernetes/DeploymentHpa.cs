namespace Infra.Rehearsal.Kubernetes;

/// <summary>
/// One HPA acting on one Deployment of the simulated cluster: the controller's remembered state, its last desired
/// replicas, and the rescales it made. The caller says when it syncs (every 15 s) and what the metrics APIs answer.
/// </summary>
public sealed class DeploymentHpa(ClusterModel cluster, SimDeployment deployment, HpaSpec spec)
{
    private readonly HorizontalPodAutoscaler _controller = new(new HpaControllerSettings());
    private readonly HpaState _state = new();

    /// <summary>status.desiredReplicas after the last sync.</summary>
    public int Desired { get; private set; } = deployment.Replicas;
    public int ScaleUps { get; private set; }
    public int ScaleDowns { get; private set; }

    /// <summary>One controller sync at <paramref name="now"/>; a rescale sets the Deployment's replicas.</summary>
    public HpaDecision Sync(IHpaMetrics metrics, DateTimeOffset now, double t)
    {
        var current = deployment.Replicas;
        var decision = _controller.Sync(spec, _state, current, cluster.PodsOf(deployment).Count(x => x.DrainingSince is null), Desired, metrics, now);
        Desired = decision.DesiredReplicas;
        if (decision.Rescale)
        {
            if (decision.DesiredReplicas > current) ScaleUps++; else ScaleDowns++;
            cluster.SetReplicas(deployment, decision.DesiredReplicas, t);
        }
        return decision;
    }
}
