namespace Infra.Stacks.Workers;

// KEDA's custom resources as small typed records (KubernetesClient has no models for CRDs). Field names follow
// keda.sh/v1alpha1; Manifests.FromRecord writes them camelCase without nulls.

public sealed record ObjectMeta(string Name, string Namespace, Dictionary<string, string>? Labels = null);

public sealed record ScaledObject(ObjectMeta Metadata, ScaledObjectSpec Spec)
{
    public string ApiVersion => "keda.sh/v1alpha1";
    public string Kind => "ScaledObject";
}

public sealed record ScaledObjectSpec(
    ScaleTargetRef ScaleTargetRef,
    int MinReplicaCount,
    int MaxReplicaCount,
    int PollingInterval,
    int CooldownPeriod,
    Advanced Advanced,
    IReadOnlyList<Trigger> Triggers);

public sealed record ScaleTargetRef(string Name, string Kind = "Deployment", string ApiVersion = "apps/v1");

public sealed record Advanced(HorizontalPodAutoscalerConfig HorizontalPodAutoscalerConfig);

public sealed record HorizontalPodAutoscalerConfig(HpaBehavior Behavior);

public sealed record HpaBehavior(HpaScalingRules ScaleDown, HpaScalingRules ScaleUp);

public sealed record HpaScalingRules(int StabilizationWindowSeconds, IReadOnlyList<HpaPolicy> Policies, string? SelectPolicy = null);

public sealed record HpaPolicy(string Type, int Value, int PeriodSeconds);

public sealed record Trigger(string Type, string MetricType, Dictionary<string, string> Metadata, AuthenticationRef? AuthenticationRef = null);

public sealed record AuthenticationRef(string Name);

public sealed record TriggerAuthentication(ObjectMeta Metadata, TriggerAuthenticationSpec Spec)
{
    public string ApiVersion => "keda.sh/v1alpha1";
    public string Kind => "TriggerAuthentication";
}

public sealed record TriggerAuthenticationSpec(PodIdentity PodIdentity);

/// <summary><c>aws</c> without a role ARN: KEDA uses its operator's own IRSA role.</summary>
public sealed record PodIdentity(string Provider);
