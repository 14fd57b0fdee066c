using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.DocDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.IAM;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Stacks;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// The platform team's rules: each passes on both real environments, and each fails when a construct or a setting
/// is deliberately broken (settings the validator would refuse are built directly, bypassing it).
/// </summary>
public class GuardrailTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_real_environments_break_no_rule(string env) =>
        Assert.Empty(Environments.Get(env).Violations);

    private static void Broken(string env, string rule, string messageFragment, Action<PlatformStacks> breakIt)
    {
        var violations = Environments.Build(Environments.Settings(env), breakIt).Violations;
        Assert.Contains(violations, v => v.Rule == rule && v.Message.Contains(messageFragment));
    }

    private static CfnReplicationGroup Redis(PlatformStacks s) => s.Data.Cache.ReplicationGroup;
    private static CfnDBCluster DocDb(PlatformStacks s) => (CfnDBCluster)s.Data.Database.Cluster.Node.DefaultChild!;

    [Fact]
    public void Encryption_at_rest_fails_for_an_unencrypted_store_or_disk()
    {
        Broken("dev", GuardrailRules.EncryptionAtRest, "Redis without encryption at rest", s => Redis(s).AtRestEncryptionEnabled = false);
        Broken("prod", GuardrailRules.EncryptionAtRest, "DocumentDB storage not encrypted", s => DocDb(s).StorageEncrypted = false);
        Broken("dev", GuardrailRules.EncryptionAtRest, "EBS volume",
            s => ((CfnLaunchTemplate)s.Web.Tier.LaunchTemplate!.Node.DefaultChild!).AddPropertyOverride("LaunchTemplateData.BlockDeviceMappings.0.Ebs.Encrypted", false));
    }

    [Fact]
    public void Encryption_in_transit_fails_without_tls()
    {
        Broken("dev", GuardrailRules.EncryptionInTransit, "Redis without TLS", s => Redis(s).TransitEncryptionEnabled = false);
        Broken("prod", GuardrailRules.EncryptionInTransit, "does not require TLS",
            s => ((CfnDBClusterParameterGroup)s.Data.Database.Cluster.Node.Scope!.Node.FindChild("Parameters").Node.DefaultChild!).AddPropertyOverride("Parameters.tls", "disabled"));
    }

    [Fact]
    public void A_data_store_open_to_an_address_range_or_in_a_public_subnet_fails()
    {
        Broken("dev", GuardrailRules.NoPublicDataStores, "admits an address range 0.0.0.0/0",
            s => s.Data.Cache.SecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(6379), "oops"));
        Broken("prod", GuardrailRules.NoPublicDataStores, "is not an isolated subnet",
            s => Redis(s).CacheSubnetGroupName = new CfnSubnetGroup(s.Data, "PublicSubnets", new CfnSubnetGroupProps
            {
                Description = "wrong", SubnetIds = s.Network.Network.Vpc.PublicSubnets.Select(x => x.SubnetId).ToArray(),
            }).Ref);
    }

    [Fact]
    public void Imdsv1_fails() =>
        Broken("dev", GuardrailRules.Imdsv2, "HttpTokens",
            s => ((CfnLaunchTemplate)s.Web.Tier.LaunchTemplate!.Node.DefaultChild!).AddPropertyOverride("LaunchTemplateData.MetadataOptions.HttpTokens", "optional"));

    [Fact]
    public void A_wildcard_action_fails() =>
        Broken("prod", GuardrailRules.NoWildcardActions, "'s3:*'",
            s => s.Web.Tier.InstanceRole!.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:*"], Resources = ["*"] })));

    [Fact]
    public void A_secret_written_into_the_template_fails()
    {
        Broken("dev", GuardrailRules.NoPlaintextSecrets, "AuthToken", s => Redis(s).AuthToken = "plain-text-token-1234567890");
        Broken("dev", GuardrailRules.NoPlaintextSecrets, "user data",
            s => s.Web.Tier.LaunchTemplate!.UserData!.AddCommands("export DB_PASSWORD=hunter2hunter2hunter2"));
        Broken("prod", GuardrailRules.NoPlaintextSecrets, "MasterUserPassword", s => DocDb(s).MasterUserPassword = "correct-horse-battery");
    }

    [Fact]
    public void Production_without_deletion_protection_or_backups_fails()
    {
        Broken("prod", GuardrailRules.ProductionProtection, "without deletion protection", s => DocDb(s).DeletionProtection = false);
        Broken("prod", GuardrailRules.ProductionProtection, "under 7 days", s => DocDb(s).BackupRetentionPeriod = 1);
        Broken("prod", GuardrailRules.ProductionProtection, "no snapshots", s => Redis(s).SnapshotRetentionLimit = 0);
        // The same changes are fine in dev.
        Assert.DoesNotContain(Environments.Build(Environments.Settings("dev"), s => DocDb(s).BackupRetentionPeriod = 1).Violations,
            v => v.Rule == GuardrailRules.ProductionProtection);
    }

    private static Amazon.CDK.CfnResource EksCluster(PlatformStacks s) =>
        (Amazon.CDK.CfnResource)s.Workers.Cluster.Cluster.Node.FindChild("Resource").Node.FindChild("Resource").Node.DefaultChild!;

    [Fact]
    public void An_eks_cluster_without_secrets_encryption_or_with_a_public_prod_endpoint_fails()
    {
        Broken("dev", GuardrailRules.EncryptionAtRest, "EKS secrets are not encrypted", s => EksCluster(s).AddPropertyDeletionOverride("Config.encryptionConfig"));
        Broken("prod", GuardrailRules.ProductionProtection, "API endpoint is public", s => EksCluster(s).AddPropertyOverride("Config.resourcesVpcConfig.endpointPublicAccess", true));
        Broken("prod", GuardrailRules.ProductionProtection, "logging covers 2 of 5", s => EksCluster(s).AddPropertyOverride("Config.logging.clusterLogging.0.types", new[] { "api", "audit" }));
    }

    [Fact]
    public void A_secret_in_a_kubernetes_manifest_fails() =>
        Broken("dev", GuardrailRules.NoPlaintextSecrets, "Kubernetes manifest", s => s.Workers.Cluster.Cluster.AddManifest("Leak", new Dictionary<string, object>
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "leak", ["namespace"] = "workflows" },
            ["data"] = new Dictionary<string, object> { ["REDIS"] = "redis:6379,password=hunter2hunter2hunter2" },
        }));

    [Fact]
    public void Production_cloudfront_over_http_to_the_origin_fails()
    {
        Broken("prod", GuardrailRules.HttpsToOrigin, "uses http-only",
            s => ((CfnDistribution)s.Edge.Edge.Distribution.Node.DefaultChild!).AddPropertyOverride(
                "DistributionConfig.Origins.0.CustomOriginConfig.OriginProtocolPolicy", "http-only"));
        // A prod settings file asking for it never gets this far: the validator refuses it (SettingsTests).
    }
}
