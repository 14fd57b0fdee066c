using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Compliance;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Rotation;

/// <summary>What a rotation function rotates: its kind (Rotation/lambda/kinds.mjs), settings and permissions.</summary>
public sealed record RotationTarget(string Kind, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<PolicyStatement> Permissions,
    Duration Timeout);

/// <summary>
/// Rotates one secret with this platform's rotation Lambda: its own role (no AWS-managed policy), its own log group
/// with a retention, and a schedule every <c>secrets.rotationDays</c>. Secrets Manager's part of the permissions
/// (read and write this secret's versions) comes from CDK's RotationSchedule; the target's come from
/// <see cref="RotationTarget.Permissions"/>, each scoped to the resource it changes.
/// </summary>
public sealed class SecretRotationConstruct : Construct
{
    /// <summary>A runtime that bundles the AWS SDK v3; CDK 2.160 predates its constant.</summary>
    public static readonly Runtime NodeRuntime = new("nodejs24.x", RuntimeFamily.NODEJS);

    public Function Function { get; }
    public RotationSchedule Schedule { get; }

    public SecretRotationConstruct(Construct scope, string id, EnvironmentSettings settings, ISecret secret, RotationTarget target) : base(scope, id)
    {
        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_YEAR, // rotation history is an audit trail
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        var role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"{settings.Name}: rotates one secret ({target.Kind})",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteOwnLogs",
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logs.LogGroupArn + ":*"],
        }));
        foreach (var statement in target.Permissions) role.AddToPolicy(statement);

        Function = new Function(this, "Function", new FunctionProps
        {
            Runtime = NodeRuntime,
            Handler = RotationCode.Handler,
            Code = RotationCode.Asset(),
            Role = role,
            LogGroup = logs,
            Timeout = target.Timeout,
            MemorySize = 256,
            Architecture = Architecture.ARM_64,
            Description = $"Rotates {target.Kind} secrets (Secrets Manager's four-step protocol)",
            Environment = new Dictionary<string, string>(target.Environment) { ["ROTATION_KIND"] = target.Kind },
        });
        // A rotation runs alone: Secrets Manager never starts a second one for a secret while one is pending.
        Schedule = new RotationSchedule(this, "Schedule", new RotationScheduleProps
        {
            Secret = secret,
            RotationLambda = Function,
            AutomaticallyAfter = Duration.Days(settings.Secrets.RotationDays),
            RotateImmediatelyOnUpdate = false, // a deploy never rotates: it would race CloudFormation's own updates
        });
        NagSuppressions.AddToDefaultPolicy(role, new NagSuppression("AwsSolutions-IAM5",
            "secretsmanager:GetRandomPassword (CDK's RotationSchedule adds it for every rotation function) and, for the origin header, elasticloadbalancing:DescribeRules have no resource-level permissions; the log stream names inside this function's own log group are chosen by Lambda",
            "Resource::*", "/^Resource::<.+Logs[0-9A-F]{8}\\.Arn>:\\*$/"));
    }
}
