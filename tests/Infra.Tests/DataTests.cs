using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class DataTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Redis_is_encrypted_authenticated_and_never_evicts(string env)
    {
        var e = Environments.Get(env);
        var replicas = e.Settings.Cache.Replicas;
        e.Data.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", Like(
            ("Engine", "redis"),
            ("CacheNodeType", e.Settings.Cache.NodeType),
            ("NumCacheClusters", 1 + replicas),
            ("AutomaticFailoverEnabled", replicas > 0),
            ("MultiAZEnabled", replicas > 0),
            ("TransitEncryptionEnabled", true),
            ("AtRestEncryptionEnabled", true)));
        ResolvesSecret(e.Data, "AWS::ElastiCache::ReplicationGroup", "AuthToken");
        e.Data.HasResourceProperties("AWS::ElastiCache::ParameterGroup", Like(("Properties", Obj(("maxmemory-policy", "noeviction")))));
        e.Data.HasResourceProperties("AWS::SecretsManager::Secret", Like(("GenerateSecretString", Like(("PasswordLength", 64)))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_workflow_cache_has_its_own_lru_redis_so_the_queue_never_evicts(string env)
    {
        var e = Environments.Get(env);
        e.Data.ResourceCountIs("AWS::ElastiCache::ReplicationGroup", 2);
        var policies = Resources(e.Data, "AWS::ElastiCache::ParameterGroup").Select(p => p["Properties"]!["Properties"]!["maxmemory-policy"]!.GetValue<string>()).Order();
        Assert.Equal(["allkeys-lru", "noeviction"], policies);
        e.Data.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", Like(("CacheNodeType", e.Settings.WorkflowCache.NodeType),
            ("NumCacheClusters", 1 + e.Settings.WorkflowCache.Replicas), ("TransitEncryptionEnabled", true), ("AtRestEncryptionEnabled", true)));
        Assert.Contains("CacheRedisPrimaryEndpoint", e.Data.FindOutputs("*").Keys);
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void DocumentDb_is_encrypted_requires_tls_and_keeps_backups(string env)
    {
        var e = Environments.Get(env);
        var db = e.Settings.Database;
        e.Data.HasResourceProperties("AWS::DocDB::DBCluster", Like(
            ("StorageEncrypted", true),
            ("DeletionProtection", db.DeletionProtection),
            ("BackupRetentionPeriod", db.BackupRetentionDays),
            ("EnableCloudwatchLogsExports", Match.ArrayWith(["audit", "profiler"]))));
        ResolvesSecret(e.Data, "AWS::DocDB::DBCluster", "MasterUserPassword");
        e.Data.ResourceCountIs("AWS::DocDB::DBInstance", db.Instances);
        e.Data.HasResourceProperties("AWS::DocDB::DBInstance", Like(("DBInstanceClass", "db." + db.InstanceType)));
        e.Data.HasResourceProperties("AWS::DocDB::DBClusterParameterGroup", Like(("Parameters", Like(("tls", "enabled"), ("profiler_threshold_ms", "100")))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Stores_admit_only_the_api_instances(string env)
    {
        var e = Environments.Get(env);
        // The data stack's own groups have no ingress; the web stack adds one rule per store, from its instances' group.
        foreach (var group in e.Data.FindResources("AWS::EC2::SecurityGroup").Values)
            Assert.False(((IDictionary<string, object>)group["Properties"]).ContainsKey("SecurityGroupIngress"));
        foreach (var port in new[] { Infra.Stacks.Data.CacheConstruct.Port, Infra.Stacks.Data.DatabaseConstruct.Port })
            e.Web.HasResourceProperties("AWS::EC2::SecurityGroupIngress", Like(
                ("FromPort", port), ("ToPort", port), ("SourceSecurityGroupId", Like(("Fn::GetAtt", Match.ArrayWith([Match.StringLikeRegexp("^WebInstanceSecurityGroup")]))))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Endpoints_and_secret_arns_are_stack_outputs(string env)
    {
        var outputs = Environments.Get(env).Data.FindOutputs("*").Keys;
        foreach (var name in new[] { "RedisPrimaryEndpoint", "RedisReaderEndpoint", "RedisAuthTokenSecretArn", "DocumentDbEndpoint", "DocumentDbReaderEndpoint", "DocumentDbSecretArn" })
            Assert.Contains(name, outputs);
    }

    [Fact]
    public void Prod_is_highly_available_and_dev_is_small()
    {
        var prod = Environments.Get("prod").Data;
        prod.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", Like(("NumCacheClusters", 3), ("SnapshotRetentionLimit", 7)));
        prod.ResourceCountIs("AWS::DocDB::DBInstance", 3);
        prod.HasResource("AWS::DocDB::DBCluster", Like(("DeletionPolicy", "Snapshot")));

        var dev = Environments.Get("dev").Data;
        dev.HasResourceProperties("AWS::ElastiCache::ReplicationGroup", Like(("NumCacheClusters", 1)));
        dev.ResourceCountIs("AWS::DocDB::DBInstance", 1);
        dev.HasResourceProperties("AWS::DocDB::DBCluster", Like(("DeletionProtection", false)));
        dev.HasResource("AWS::DocDB::DBCluster", Like(("DeletionPolicy", "Delete")));
    }
}
