using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Data;

/// <summary>
/// ElastiCache Redis for the execution queue: a replication group (primary + replicas, automatic failover and
/// Multi-AZ when there are replicas), TLS in transit, encryption at rest, an AUTH token generated into Secrets
/// Manager, isolated subnets, and a security group with no ingress until a tier is admitted.
/// </summary>
/// <remarks>
/// maxmemory-policy is <c>noeviction</c>: the source document's <c>allkeys-lru</c> would let Redis silently evict
/// queued executions (stream entries) under memory pressure. With noeviction a full Redis refuses writes instead,
/// which the service turns into 503s and which the memory alarm reports first.
/// </remarks>
public sealed class CacheConstruct : Construct
{
    public const int Port = 6379;

    public CfnReplicationGroup ReplicationGroup { get; }
    public SecurityGroup SecurityGroup { get; }
    public Secret AuthToken { get; }
    public string PrimaryEndpoint => ReplicationGroup.AttrPrimaryEndPointAddress;
    public string ReaderEndpoint => ReplicationGroup.AttrReaderEndPointAddress;

    public CacheConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection subnets) : base(scope, id)
    {
        var cache = settings.Cache;
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc, AllowAllOutbound = false, Description = $"{settings.Name} Redis: admits only the tiers that use it",
        });

        AuthToken = new Secret(this, "AuthToken", new SecretProps
        {
            Description = $"{settings.Name} Redis AUTH token",
            GenerateSecretString = new SecretStringGenerator
            {
                PasswordLength = 64,
                // Redis AUTH accepts printable ASCII except these; ',' and '=' would also break client connection strings.
                ExcludeCharacters = "\"%'()*+,./:;=?@[\\]_`{|}~ ",
            },
        });

        var subnetGroup = new CfnSubnetGroup(this, "Subnets", new CfnSubnetGroupProps
        {
            Description = $"{settings.Name} Redis, isolated subnets",
            SubnetIds = vpc.SelectSubnets(subnets).SubnetIds,
        });
        var parameters = new CfnParameterGroup(this, "Parameters", new CfnParameterGroupProps
        {
            CacheParameterGroupFamily = "redis" + cache.EngineVersion.Split('.')[0],
            Description = $"{settings.Name} Redis: noeviction so queued work is never dropped",
            Properties = new Dictionary<string, string> { ["maxmemory-policy"] = "noeviction" },
        });

        var failover = cache.Replicas > 0;
        ReplicationGroup = new CfnReplicationGroup(this, "Redis", new CfnReplicationGroupProps
        {
            ReplicationGroupDescription = $"{settings.Name} workflow queue",
            Engine = "redis",
            EngineVersion = cache.EngineVersion,
            CacheNodeType = cache.NodeType,
            NumCacheClusters = 1 + cache.Replicas,
            AutomaticFailoverEnabled = failover,
            MultiAzEnabled = failover,
            TransitEncryptionEnabled = true,
            AtRestEncryptionEnabled = true,
            AuthToken = AuthToken.SecretValue.UnsafeUnwrap(), // a {{resolve:secretsmanager:…}} reference, not the value
            CacheSubnetGroupName = subnetGroup.Ref,
            CacheParameterGroupName = parameters.Ref,
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            Port = Port,
            SnapshotRetentionLimit = cache.SnapshotRetentionDays,
            AutoMinorVersionUpgrade = true,
        });
        ReplicationGroup.ApplyRemovalPolicy(settings.Production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY);
    }
}
