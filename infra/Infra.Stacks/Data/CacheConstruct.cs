using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.Compliance;
using Infra.Stacks.Rotation;

namespace Infra.Stacks.Data;

/// <summary>What a Redis replication group is for; it decides the eviction policy.</summary>
public enum RedisPurpose
{
    /// <summary>The execution queue: <c>noeviction</c>.</summary>
    Queue,
    /// <summary>The L2 workflow cache: <c>allkeys-lru</c>.</summary>
    Cache,
}

/// <summary>
/// ElastiCache Redis: a replication group (primary + replicas, automatic failover and Multi-AZ when there are
/// replicas), TLS in transit, encryption at rest, an AUTH token generated into Secrets Manager, isolated subnets, and
/// a security group with no ingress until a tier is admitted.
/// </summary>
/// <remarks>
/// The queue's maxmemory-policy is <c>noeviction</c>: the source document's <c>allkeys-lru</c> would let Redis silently
/// evict queued executions (stream entries) under memory pressure. With noeviction a full Redis refuses writes instead,
/// which the service turns into 503s and which the memory alarm reports first. The document's LRU policy lives on in
/// the separate cache cluster, where evicting is exactly what should happen.
/// </remarks>
public sealed class CacheConstruct : Construct
{
    /// <summary>Not Redis's default 6379: scanners that sweep default ports find nothing to try (cdk-nag AwsSolutions-AEC5).</summary>
    public const int Port = 6380;
    /// <summary>Tells guardrails which group holds the queue (its snapshots matter; the cache's do not).</summary>
    public const string PurposeTag = "workflows:purpose";

    public CfnReplicationGroup ReplicationGroup { get; }
    public SecurityGroup SecurityGroup { get; }
    public Secret AuthToken { get; }
    public string PrimaryEndpoint => ReplicationGroup.AttrPrimaryEndPointAddress;
    public string ReaderEndpoint => ReplicationGroup.AttrReaderEndPointAddress;

    public RedisPurpose Purpose { get; }
    public int Replicas { get; }

    public CacheConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection subnets,
        RedisPurpose purpose = RedisPurpose.Queue) : base(scope, id)
    {
        Purpose = purpose;
        var cache = settings.Cache;
        var nodeType = purpose == RedisPurpose.Queue ? cache.NodeType : settings.WorkflowCache.NodeType;
        var replicas = Replicas = purpose == RedisPurpose.Queue ? cache.Replicas : settings.WorkflowCache.Replicas;
        var what = purpose == RedisPurpose.Queue ? "queue" : "workflow cache";
        var policy = purpose == RedisPurpose.Queue ? "noeviction" : "allkeys-lru";
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc, AllowAllOutbound = false, Description = $"{settings.Name} Redis ({what}): admits only the tiers that use it",
        });

        AuthToken = new Secret(this, "AuthToken", new SecretProps
        {
            Description = $"{settings.Name} Redis ({what}) AUTH token",
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            GenerateSecretString = new SecretStringGenerator
            {
                PasswordLength = 64,
                // Redis AUTH accepts printable ASCII except these; ',' and '=' would also break client connection strings.
                ExcludeCharacters = "\"%'()*+,./:;=?@[\\]_`{|}~ ",
            },
        });

        var subnetGroup = new CfnSubnetGroup(this, "Subnets", new CfnSubnetGroupProps
        {
            Description = $"{settings.Name} Redis ({what}), isolated subnets",
            SubnetIds = vpc.SelectSubnets(subnets).SubnetIds,
        });
        var parameters = new CfnParameterGroup(this, "Parameters", new CfnParameterGroupProps
        {
            CacheParameterGroupFamily = "redis" + cache.EngineVersion.Split('.')[0],
            Description = purpose == RedisPurpose.Queue
                ? $"{settings.Name} Redis (queue): noeviction so queued work is never dropped"
                : $"{settings.Name} Redis (workflow cache): allkeys-lru, entries are disposable",
            Properties = new Dictionary<string, string> { ["maxmemory-policy"] = policy },
        });

        var failover = replicas > 0;
        ReplicationGroup = new CfnReplicationGroup(this, "Redis", new CfnReplicationGroupProps
        {
            ReplicationGroupDescription = $"{settings.Name} {what}",
            Engine = "redis",
            EngineVersion = cache.EngineVersion,
            CacheNodeType = nodeType,
            NumCacheClusters = 1 + replicas,
            AutomaticFailoverEnabled = failover,
            MultiAzEnabled = failover,
            TransitEncryptionEnabled = true,
            AtRestEncryptionEnabled = true,
            AuthToken = AuthToken.SecretValue.UnsafeUnwrap(), // a {{resolve:secretsmanager:…}} reference, not the value
            CacheSubnetGroupName = subnetGroup.Ref,
            CacheParameterGroupName = parameters.Ref,
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            Port = Port,
            SnapshotRetentionLimit = purpose == RedisPurpose.Queue ? cache.SnapshotRetentionDays : 0, // cache entries are disposable
            AutoMinorVersionUpgrade = true,
        });
        Tags.Of(ReplicationGroup).Add(PurposeTag, purpose == RedisPurpose.Queue ? "queue" : "cache");
        if (!failover)
            NagSuppressions.Add(ReplicationGroup, new NagSuppression("AwsSolutions-AEC4",
                $"no replicas in this non-production environment (cost): one node, no Multi-AZ; the settings validator requires cache.replicas >= 1 (automatic failover, Multi-AZ) in production"));
        ReplicationGroup.ApplyRemovalPolicy(settings.Production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);

        // AUTH token rotation (ROTATE, then SET on the next rotation): clients keep both tokens working while
        // hosts re-read the secret; RBAC users were not chosen because moving a live group from AUTH to RBAC is a
        // replacement-grade change (README, "Security posture").
        var stack = Stack.Of(this);
        var groupArn = stack.FormatArn(new ArnComponents
        {
            Service = "elasticache", Resource = "replicationgroup", ResourceName = ReplicationGroup.Ref, ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        });
        Rotation = new SecretRotationConstruct(this, "AuthTokenRotation", settings, AuthToken, new RotationTarget(
            "elasticache-auth-token",
            new Dictionary<string, string> { ["REPLICATION_GROUP_ID"] = ReplicationGroup.Ref },
            [new PolicyStatement(new PolicyStatementProps
            {
                Sid = "RotateThisGroupsToken",
                Actions = ["elasticache:ModifyReplicationGroup", "elasticache:DescribeReplicationGroups"],
                Resources = [groupArn],
            })],
            Duration.Minutes(15))); // two token changes of a few minutes each; the step waits for each
    }

    public SecretRotationConstruct Rotation { get; }
}
