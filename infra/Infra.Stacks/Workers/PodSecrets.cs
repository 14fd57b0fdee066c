using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using Infra.Stacks.Settings;
using k8s.Models;

namespace Infra.Stacks.Workers;

/// <summary>
/// How the service's pods get their secrets: an init container reads them from Secrets Manager with the pod's IRSA role
/// into a memory-backed volume before the service starts, and a sidecar reads them again every
/// <c>secrets.refreshSeconds</c> (rotation); the service re-reads the files. Each file is written whole (temp file,
/// then rename) so the service never reads half a secret; a failed read keeps the last good file.
/// </summary>
public static class PodSecrets
{
    public const string Directory = "/run/secrets/workflows";

    /// <summary>One secret as one file; <paramref name="WithPrevious"/> adds the AWSPREVIOUS value as a second line
    /// (API keys: clients that have not switched yet keep working until the next rotation).</summary>
    public sealed record File(string Variable, ISecret Secret, string Name, bool WithPrevious = false);

    private const string Functions =
        "set -eu; umask 077; " +
        "fetch() { aws secretsmanager get-secret-value --secret-id \"$1\" --query SecretString --output text > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"; }; " +
        "fetch_with_previous() { cur=$(aws secretsmanager get-secret-value --secret-id \"$1\" --query SecretString --output text) || return 1; " +
        "if ! prev=$(aws secretsmanager get-secret-value --secret-id \"$1\" --version-stage AWSPREVIOUS --query SecretString --output text 2>/tmp/previous.err); then " +
        "grep -q ResourceNotFoundException /tmp/previous.err || return 1; prev=''; fi; " +
        "printf '%s\\n%s\\n' \"$cur\" \"$prev\" > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"; }; ";

    private static string Refresh(IEnumerable<File> files) =>
        "refresh() { " + string.Join(" && ", files.Select(f => $"{(f.WithPrevious ? "fetch_with_previous" : "fetch")} \"${f.Variable}\" {Directory}/{f.Name}")) + "; }; ";

    /// <summary>The init container: reads every file once; a failure keeps the pod from starting.</summary>
    public static V1Container Init(EnvironmentSettings settings, IReadOnlyList<File> files, V1SecurityContext restricted) =>
        Container("read-secrets", Functions + Refresh(files) + "refresh", settings, files, restricted);

    /// <summary>The sidecar: reads them again every refresh interval, and stops at once with the pod.</summary>
    public static V1Container Sidecar(EnvironmentSettings settings, IReadOnlyList<File> files, V1SecurityContext restricted) =>
        Container("refresh-secrets", Functions + Refresh(files) +
            "trap 'exit 0' TERM; while :; do sleep \"$REFRESH_SECONDS\" & wait $!; refresh || echo 'secret refresh failed: the last values stay in use' >&2; done",
            settings, files, restricted);

    private static V1Container Container(string name, string script, EnvironmentSettings settings, IReadOnlyList<File> files, V1SecurityContext restricted) => new()
    {
        Name = name,
        Image = settings.Workers.SecretsInitImage,
        Command = ["/bin/sh", "-c"],
        Args = [script],
        Env =
        [
            new V1EnvVar { Name = "AWS_REGION", Value = Stack.Of(files[0].Secret).Region },
            new V1EnvVar { Name = "HOME", Value = "/tmp" },
            .. files.Select(f => new V1EnvVar { Name = f.Variable, Value = f.Secret.SecretArn }),
            new V1EnvVar { Name = "REFRESH_SECONDS", Value = settings.Secrets.RefreshSeconds.ToString() },
        ],
        VolumeMounts = [new V1VolumeMount { Name = "secrets", MountPath = Directory }, new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
        SecurityContext = restricted,
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("64Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
        },
    };

    /// <summary>The volumes these containers and the service share: secrets in memory, a small writable /tmp.</summary>
    public static List<V1Volume> Volumes() =>
    [
        new V1Volume { Name = "secrets", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Mi") } },
        new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
    ];

    /// <summary>The restricted Pod Security Standard's container settings, as the .NET images' "app" user.</summary>
    public static V1SecurityContext Restricted() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        RunAsUser = 1654,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };
}
