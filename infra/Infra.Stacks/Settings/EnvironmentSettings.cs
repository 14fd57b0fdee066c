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
    public required DatabaseSettings Database { get; init; }
    public ObservabilitySettings Observability { get; init; } = new();
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

public sealed record WebSettings
{
    public required string InstanceType { get; init; }
    public required int MinCapacity { get; init; }
    public required int MaxCapacity { get; init; }
    public required int DesiredCapacity { get; init; }
    public int HealthCheckGraceSeconds { get; init; } = 300;
    public required double CpuTargetPercent { get; init; }
    /// <summary>ALBRequestCountPerTarget target (requests per target per minute).</summary>
    public required double RequestsPerTarget { get; init; }
    public int VolumeSizeGiB { get; init; } = 30;
    /// <summary>ACM certificate for the ALB's HTTPS listener. With it, HTTP redirects to HTTPS.</summary>
    public string? CertificateArn { get; init; }
    public bool AccessLogs { get; init; }
    public int AccessLogRetentionDays { get; init; } = 90;
    public int IdleTimeoutSeconds { get; init; } = 60;
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
}

public sealed record CacheSettings
{
    public required string NodeType { get; init; }
    /// <summary>Read replicas besides the primary. 0 (dev) means no automatic failover.</summary>
    public required int Replicas { get; init; }
    public string EngineVersion { get; init; } = "7.1";
    public int SnapshotRetentionDays { get; init; }
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
