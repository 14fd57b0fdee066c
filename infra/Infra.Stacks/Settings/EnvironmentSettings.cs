namespace Infra.Stacks.Settings;

// The typed shape of stacks/<env>.yaml. YAML keys are the camelCase property names. Members marked `required`
// must appear in the file; the rest have the defaults shown. Ranges and cross-field rules live in SettingsValidator.

/// <summary>One environment (a file in <c>stacks/</c>).</summary>
public sealed record EnvironmentSettings
{
    /// <summary>Must equal the file name without <c>.yaml</c>; prefixes every stack name.</summary>
    public required string Name { get; init; }
    /// <summary>Production turns on the guardrails that only prod needs (deletion protection, backups, HTTPS to origin).</summary>
    public bool Production { get; init; }
    public required AwsSettings Aws { get; init; }
    public required NetworkSettings Network { get; init; }
    public ServiceSettings Service { get; init; } = new();
    public required WebSettings Web { get; init; }
    public required EdgeSettings Edge { get; init; }
    public required CacheSettings Cache { get; init; }
    public required WorkflowCacheSettings WorkflowCache { get; init; }
    public required DatabaseSettings Database { get; init; }
    public required WorkersSettings Workers { get; init; }
    public ObservabilitySettings Observability { get; init; } = new();
    public SecretsSettings Secrets { get; init; } = new();
}

/// <summary>Rotation of the platform's secrets (README, "Security posture").</summary>
public sealed record SecretsSettings
{
    /// <summary>Days between rotations of every secret (DocumentDB, both Redis AUTH tokens, API key, origin header).</summary>
    public int RotationDays { get; init; } = 30;
    /// <summary>How often API instances and worker pods re-read their secrets from Secrets Manager.</summary>
    public int RefreshSeconds { get; init; } = 120;
}

public sealed record AwsSettings
{
    public required string Region { get; init; }
    /// <summary>Optional: without it the stacks are account-agnostic (deployed to whatever account the credentials name).</summary>
    public string? Account { get; init; }
    /// <summary>Listed explicitly so synthesis never looks them up.</summary>
    public required List<string> AvailabilityZones { get; init; }
}

public sealed record NetworkSettings
{
    public required string Cidr { get; init; }
    /// <summary>One per AZ for HA (prod); one shared by all AZs is cheaper (dev).</summary>
    public required int NatGateways { get; init; }
    public int FlowLogRetentionDays { get; init; } = 30;
}

public sealed record ServiceSettings
{
    /// <summary>A pre-built image (e.g. from a pipeline). Unset: app/Dockerfile is built as a CDK Docker image asset.</summary>
    public string? ImageUri { get; init; }
    /// <summary>Matches the service's Workflows:ShutdownGraceSeconds; instance and pod stop timeouts derive from it.</summary>
    public int ShutdownGraceSeconds { get; init; } = 25;
    public int Port { get; init; } = 8080;
}

/// <summary>Where the API role runs: EC2 instances in an Auto Scaling Group, or pods on the workers' EKS cluster.</summary>
public enum WebPlatform { Asg, Eks }

public sealed record WebSettings
{
    /// <summary><c>asg</c>: instances, target tracking on CPU and requests. <c>eks</c>: a Deployment scaled by an HPA on
    /// CPU and memory (the source document's frontend HPA), behind the same ALB through a TargetGroupBinding.</summary>
    public WebPlatform Platform { get; init; } = WebPlatform.Asg;
    public required string InstanceType { get; init; }
    public required int MinCapacity { get; init; }
    public required int MaxCapacity { get; init; }
    public required int DesiredCapacity { get; init; }
    public int HealthCheckGraceSeconds { get; init; } = 300;
    /// <summary>From launch until an instance's metrics count for scaling (the group's DefaultInstanceWarmup).</summary>
    public int InstanceWarmupSeconds { get; init; } = 180;
    public required double CpuTargetPercent { get; init; }
    /// <summary>ALBRequestCountPerTarget target (requests per target per minute).</summary>
    public required double RequestsPerTarget { get; init; }
    public int VolumeSizeGiB { get; init; } = 30;
    /// <summary>ACM certificate for the ALB's HTTPS listener. With it, HTTP redirects to HTTPS.</summary>
    public string? CertificateArn { get; init; }
    public bool AccessLogs { get; init; }
    public int AccessLogRetentionDays { get; init; } = 90;
    public int IdleTimeoutSeconds { get; init; } = 60;
    /// <summary>eks: the pods' requests and limits (the source document's frontend: 500m/512Mi, 1/1Gi).</summary>
    public ResourceSettings PodRequests { get; init; } = new() { Cpu = "500m", Memory = "512Mi" };
    public ResourceSettings PodLimits { get; init; } = new() { Cpu = "1", Memory = "1Gi" };
    /// <summary>eks: the HPA's memory target (percent of the request); CPU uses <see cref="CpuTargetPercent"/>.</summary>
    public double MemoryTargetPercent { get; init; } = 80;
    /// <summary>eks: the HPA's behaviour, the source document's frontend values.</summary>
    public ScaleBehaviorSettings ScaleDown { get; init; } = new() { StabilizationSeconds = 300, Percent = 50, PeriodSeconds = 60 };
    public ScaleBehaviorSettings ScaleUp { get; init; } = new() { StabilizationSeconds = 0, Percent = 100, Pods = 2, PeriodSeconds = 30 };
}

public enum OriginProtocol { HttpsOnly, HttpOnly }

public sealed record EdgeSettings
{
    /// <summary><c>https-only</c> needs <see cref="OriginDomainName"/> (a name on the ALB's certificate, CNAME to the ALB).</summary>
    public required OriginProtocol OriginProtocol { get; init; }
    public string? OriginDomainName { get; init; }
    public string PriceClass { get; init; } = "PriceClass_100";
    public string? NotFoundPagePath { get; init; } = "/404.html";
    public int NotFoundCacheSeconds { get; init; } = 300;
    public int StaticAssetsTtlDays { get; init; } = 365;
    /// <summary>ACM certificate for the viewer side, in us-east-1 (CloudFront's region). With it viewers get TLS 1.2+
    /// at <see cref="DomainNames"/>; without it, the distribution's *.cloudfront.net name and default certificate.</summary>
    public string? CertificateArn { get; init; }
    public List<string> DomainNames { get; init; } = [];
    /// <summary>CloudFront standard access logs to an S3 bucket of the edge stack.</summary>
    public bool AccessLogs { get; init; } = true;
    public int AccessLogRetentionDays { get; init; } = 90;
    /// <summary>An AWS WAF web ACL (managed rule groups, per-IP rate limit) in a us-east-1 stack of its own.</summary>
    public bool WebAcl { get; init; }
    /// <summary>Requests one IP may send in 5 minutes before WAF blocks it (WAF's minimum is 10).</summary>
    public int RateLimitPer5Minutes { get; init; } = 2000;
}

public sealed record CacheSettings
{
    public required string NodeType { get; init; }
    /// <summary>Read replicas besides the primary. 0 (dev) means no automatic failover.</summary>
    public required int Replicas { get; init; }
    public string EngineVersion { get; init; } = "7.1";
    public int SnapshotRetentionDays { get; init; }
}

/// <summary>
/// The Redis behind the service's L2 workflow cache: separate from the queue's, with allkeys-lru, so cache pressure can
/// only evict cache entries and never queued executions.
/// </summary>
public sealed record WorkflowCacheSettings
{
    public required string NodeType { get; init; }
    public required int Replicas { get; init; }
}

public sealed record DatabaseSettings
{
    public required string InstanceType { get; init; }
    /// <summary>1 writer + (instances - 1) readers.</summary>
    public required int Instances { get; init; }
    public string EngineVersion { get; init; } = "5.0.0";
    public required int BackupRetentionDays { get; init; }
    public required bool DeletionProtection { get; init; }
}

public sealed record ObservabilitySettings
{
    /// <summary>Subscribed to the alarm topic when set.</summary>
    public string? AlarmEmail { get; init; }
}

public enum EndpointAccessMode { Private, PublicAndPrivate }

/// <summary>The EKS worker tier: cluster, nodes, the worker Deployment and its KEDA scaling.</summary>
public sealed record WorkersSettings
{
    /// <summary>EKS version; the matching kubectl layer package (@aws-cdk/lambda-layer-kubectl-vNN) must be installed by npm ci.</summary>
    public required string KubernetesVersion { get; init; }
    /// <summary><c>private</c> (prod) or <c>public-and-private</c> (dev: kubectl from a laptop; still IAM-authenticated).</summary>
    public required EndpointAccessMode EndpointAccess { get; init; }
    public required string NodeInstanceType { get; init; }
    public required int NodeMinSize { get; init; }
    public required int NodeMaxSize { get; init; }
    public required int NodeDesiredSize { get; init; }
    public int NodeDiskGiB { get; init; } = 50;

    public required int MinReplicas { get; init; }
    public required int MaxReplicas { get; init; }
    public required int CpuTargetPercent { get; init; }
    /// <summary>Target average of the queue metric per pod (the source document's 10).</summary>
    public required int QueueLengthPerPod { get; init; }
    /// <summary>Executions one pod runs at once (the service's Queue:Concurrency).</summary>
    public int Concurrency { get; init; } = 8;

    public ResourceSettings Requests { get; init; } = new() { Cpu = "500m", Memory = "1Gi" };
    public ResourceSettings Limits { get; init; } = new() { Cpu = "2", Memory = "2Gi" };
    public ScaleBehaviorSettings ScaleDown { get; init; } = new() { StabilizationSeconds = 300, Percent = 50, PeriodSeconds = 60 };
    public ScaleBehaviorSettings ScaleUp { get; init; } = new() { StabilizationSeconds = 0, Percent = 100, Pods = 2, PeriodSeconds = 30 };

    public required ChartVersions Charts { get; init; }
    /// <summary>Image of the init container that reads the pod's secrets into a memory volume (needs the AWS CLI).</summary>
    public string SecretsInitImage { get; init; } = "public.ecr.aws/aws-cli/aws-cli:2.22.35";
}

public sealed record ResourceSettings
{
    public required string Cpu { get; init; }
    public required string Memory { get; init; }
}

public sealed record ScaleBehaviorSettings
{
    public required int StabilizationSeconds { get; init; }
    public required int Percent { get; init; }
    public int? Pods { get; init; }
    public required int PeriodSeconds { get; init; }
}

/// <summary>Pinned Helm chart versions.</summary>
public sealed record ChartVersions
{
    public required string Keda { get; init; }
    public required string ClusterAutoscaler { get; init; }
    /// <summary>Cluster Autoscaler's image tag must match the Kubernetes minor version (e.g. v1.33.1 for 1.33).</summary>
    public required string ClusterAutoscalerImageTag { get; init; }
    public required string MetricsServer { get; init; }
    /// <summary>The AWS Load Balancer Controller (web.platform eks only).</summary>
    public string AwsLoadBalancerController { get; init; } = "1.13.4";
}
