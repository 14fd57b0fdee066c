namespace Infra.Rehearsal.Kubernetes;

/// <summary>What the scheduler, the kubelet and the HPA need from a Deployment's pod template (first container).</summary>
/// <param name="Deployment">namespace/name.</param>
/// <param name="CpuLimitMilli"><see cref="long.MaxValue"/> when the container sets no limit.</param>
public sealed record PodTemplate(string Deployment, long CpuRequestMilli, long CpuLimitMilli, long MemoryRequestMilli,
    int ReadinessInitialDelaySeconds, int ReadinessPeriodSeconds)
{
    /// <summary>The Deployment's name without its namespace: pods are named after it.</summary>
    public string Name => Deployment[(Deployment.IndexOf('/') + 1)..];
}
