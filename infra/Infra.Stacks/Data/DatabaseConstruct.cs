using Amazon.CDK;
using Amazon.CDK.AWS.DocDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.Compliance;

namespace Infra.Stacks.Data;

/// <summary>
/// Amazon DocumentDB (MongoDB-compatible): one writer and <c>instances - 1</c> readers in isolated subnets, storage
/// encryption, TLS enforced by the parameter group, a master password generated into Secrets Manager, backups,
/// audit and profiler logs, and deletion protection where the settings ask for it (prod).
/// </summary>
public sealed class DatabaseConstruct : Construct
{
    /// <summary>Not MongoDB's default 27017: scanners that sweep default ports find nothing to try (cdk-nag AwsSolutions-DOC?).</summary>
    public const int Port = 27117;

    public DatabaseCluster Cluster { get; }

    /// <param name="rotationSubnets">Where the rotation function runs: it must reach the cluster and Secrets Manager's API.</param>
    public DatabaseConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection subnets, SubnetSelection rotationSubnets) : base(scope, id)
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
        // The generated master credentials outlive a deleted stack in production, as the cluster's final snapshot does.
        if (settings.Production)
            foreach (var secret in Cluster.Node.FindAll().OfType<CfnResource>().Where(r => r.CfnResourceType == "AWS::SecretsManager::Secret"))
                secret.ApplyRemovalPolicy(RemovalPolicy.RETAIN);
        Suppress(db.BackupRetentionDays);

        // Secrets Manager's hosted single-user rotation: it changes the master password in place, then moves
        // AWSCURRENT. Open connections stay authenticated; hosts re-read the secret every secrets.refreshSeconds and
        // the service builds a new client for new connections (README, "Security posture").
        RotationSecurityGroup = new SecurityGroup(this, "RotationSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc, AllowAllOutbound = true, Description = $"{settings.Name} DocumentDB password rotation: reaches the cluster and Secrets Manager",
        });
        var rotation = HostedRotation.MongoDbSingleUser(new SingleUserHostedRotationOptions
        {
            Vpc = vpc, VpcSubnets = rotationSubnets, SecurityGroups = [RotationSecurityGroup],
        });
        Rotation = Cluster.Secret!.AddRotationSchedule("Rotation", new RotationScheduleOptions
        {
            HostedRotation = rotation,
            AutomaticallyAfter = Duration.Days(settings.Secrets.RotationDays),
            RotateImmediatelyOnUpdate = false,
        });
        Cluster.Connections.AllowDefaultPortFrom(RotationSecurityGroup, "password rotation");
    }

    public SecurityGroup RotationSecurityGroup { get; }
    public RotationSchedule Rotation { get; }

    public ISecurityGroup SecurityGroup => Cluster.Connections.SecurityGroups[0];

    private void Suppress(int backupDays)
    {
        NagSuppressions.Add(Cluster, new NagSuppression("AwsSolutions-DOC3",
            "the master user name and password are {{resolve:secretsmanager:…}} references to the generated cluster secret; the rule cannot evaluate the Fn::Join that builds them"),
            new NagSuppression("AwsSolutions-DOC5",
            "audit logs are exported to CloudWatch (EnableCloudwatchLogsExports: audit, profiler) and the parameter group sets audit_logs=enabled, which records authentication and DDL events (createIndex, dropCollection)",
            "LogExport::authenticate", "LogExport::createIndex", "LogExport::dropCollection"));
        CdkInternals.SuppressLogRetention(Stack.Of(this));
        if (backupDays < 7)
            NagSuppressions.Add(Cluster, new NagSuppression("AwsSolutions-DOC4",
                $"database.backupRetentionDays is {backupDays} in this non-production environment (cost); the settings validator requires at least 7 in production"));
    }
}
