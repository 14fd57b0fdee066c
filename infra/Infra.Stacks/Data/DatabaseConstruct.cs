using Amazon.CDK;
using Amazon.CDK.AWS.DocDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Data;

/// <summary>
/// Amazon DocumentDB (MongoDB-compatible): one writer and <c>instances - 1</c> readers in isolated subnets, storage
/// encryption, TLS enforced by the parameter group, a master password generated into Secrets Manager, backups,
/// audit and profiler logs, and deletion protection where the settings ask for it (prod).
/// </summary>
public sealed class DatabaseConstruct : Construct
{
    public const int Port = 27017;

    public DatabaseCluster Cluster { get; }

    public DatabaseConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection subnets) : base(scope, id)
    {
        var db = settings.Database;
        var parameters = new ClusterParameterGroup(this, "Parameters", new ClusterParameterGroupProps
        {
            Family = "docdb5.0",
            Description = $"{settings.Name} DocumentDB: TLS required, audit and profiler on",
            Parameters = new Dictionary<string, string>
            {
                ["tls"] = "enabled",
                ["audit_logs"] = "enabled",
                ["profiler"] = "enabled",
                ["profiler_threshold_ms"] = "100", // the source document's slow-query threshold
            },
        });

        Cluster = new DatabaseCluster(this, "Cluster", new DatabaseClusterProps
        {
            MasterUser = new Login { Username = "workflows" }, // password generated; the secret's name too, so a rebuilt stack never meets a secret pending deletion
            EngineVersion = db.EngineVersion,
            InstanceType = new InstanceType(db.InstanceType),
            Instances = db.Instances,
            Vpc = vpc,
            VpcSubnets = subnets,
            Port = Port,
            StorageEncrypted = true,
            DeletionProtection = db.DeletionProtection,
            Backup = new BackupProps { Retention = Duration.Days(db.BackupRetentionDays), PreferredWindow = "02:00-03:00" },
            PreferredMaintenanceWindow = "sun:03:30-sun:04:30",
            ParameterGroup = parameters,
            ExportAuditLogsToCloudWatch = true,
            ExportProfilerLogsToCloudWatch = true,
            CloudWatchLogsRetention = RetentionDays.ONE_MONTH,
            RemovalPolicy = settings.Production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
        });
    }

    public ISecurityGroup SecurityGroup => Cluster.Connections.SecurityGroups[0];
}
