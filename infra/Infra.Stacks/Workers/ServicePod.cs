using Infra.Stacks.Settings;
using k8s.Models;

namespace Infra.Stacks.Workers;

/// <summary>
/// The pod around the workflow service, the same for the worker role and (web.platform eks) the API role: the
/// restricted security context, spread over zones and nodes, secrets by init container and refresh sidecar
/// (<see cref="PodSecrets"/>), and the service container with the source document's probes.
/// </summary>
public static class ServicePod
{
    public static V1PodTemplateSpec Template(EnvironmentSettings settings, string serviceAccount, IDictionary<string, string> labels,
        int terminationGraceSeconds, string zoneSpread, IReadOnlyList<PodSecrets.File> secrets, V1Container service)
    {
        var restricted = PodSecrets.Restricted();
        return new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = labels },
            Spec = new V1PodSpec
            {
                ServiceAccountName = serviceAccount,
                TerminationGracePeriodSeconds = terminationGraceSeconds,
                SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, FsGroup = 1654, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                TopologySpreadConstraints =
                [
                    new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = zoneSpread, LabelSelector = new V1LabelSelector { MatchLabels = labels } },
                    new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "kubernetes.io/hostname", WhenUnsatisfiable = "ScheduleAnyway", LabelSelector = new V1LabelSelector { MatchLabels = labels } },
                ],
                Volumes = PodSecrets.Volumes(),
                // The secrets are read once before the service starts, then again every secrets.refreshSeconds by a
                // sidecar, so rotated values reach the running service (it re-reads the files).
                InitContainers = [PodSecrets.Init(settings, secrets, restricted)],
                Containers = [PodSecrets.Sidecar(settings, secrets, restricted), service],
            },
        };
    }

    /// <summary>The service container: its port, the secrets read-only, requests and limits, and the source
    /// document's probes (liveness 30 s / 10 s, readiness 5 s / 5 s).</summary>
    public static V1Container Container(string name, string image, int port, List<V1EnvVar> env, ResourceSettings requests, ResourceSettings limits) => new()
    {
        Name = name,
        Image = image,
        Ports = [new V1ContainerPort { Name = "http", ContainerPort = port }],
        Env = env,
        VolumeMounts = [new V1VolumeMount { Name = "secrets", MountPath = PodSecrets.Directory, ReadOnlyProperty = true }, new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(requests.Cpu), ["memory"] = new(requests.Memory) },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(limits.Cpu), ["memory"] = new(limits.Memory) },
        },
        LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/api/health", Port = (IntOrString)"http" }, InitialDelaySeconds = 30, PeriodSeconds = 10 },
        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/api/health/ready", Port = (IntOrString)"http" }, InitialDelaySeconds = 5, PeriodSeconds = 5 },
        SecurityContext = PodSecrets.Restricted(),
    };
}
