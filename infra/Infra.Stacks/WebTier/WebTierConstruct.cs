using System.Reflection;
using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.CustomResources;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.Common;
using AsgHealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;
using Ec2BlockDevice = Amazon.CDK.AWS.EC2.BlockDevice;
using Ec2BlockDeviceVolume = Amazon.CDK.AWS.EC2.BlockDeviceVolume;
using Ec2EbsDeviceOptions = Amazon.CDK.AWS.EC2.EbsDeviceOptions;
using Ec2EbsDeviceVolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType;
using TargetHealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Infra.Stacks.Compliance;
using Infra.Stacks.Rotation;

namespace Infra.Stacks.WebTier;

/// <summary>What the web tier needs from the data tier.</summary>
public sealed record WebTierDependencies(
    string RedisHost, ISecret RedisAuthToken, string CacheRedisHost, ISecret CacheRedisAuthToken, string DatabaseHost, ISecret DatabaseSecret);

/// <summary>
/// The API role on EC2: an Auto Scaling Group (launch template, IMDSv2 only, encrypted gp3 root volume, least-privilege
/// instance role) behind an internet-facing ALB, target tracking on CPU and on requests per target, rolling updates
/// that wait for each new instance to report ready. The ALB answers only CloudFront: its security group admits the
/// CloudFront origin-facing prefix list, and its listener forwards only requests carrying the secret origin header.
/// </summary>
public sealed class WebTierConstruct : Construct
{
    public const string OriginHeader = "X-Origin-Verify";

    public ApplicationLoadBalancer LoadBalancer { get; }
    public ApplicationTargetGroup TargetGroup { get; }
    /// <summary>The API instances (web.platform asg); null with eks.</summary>
    public AutoScalingGroup? Group { get; }
    public LaunchTemplate? LaunchTemplate { get; }
    public SecurityGroup? InstanceSecurityGroup { get; }
    public Role? InstanceRole { get; }
    /// <summary>The ALB's security group: with eks, the cluster admits it on the service port.</summary>
    public SecurityGroup AlbSecurityGroup { get; }
    public Secret OriginSecret { get; }
    public Secret ApiKey { get; }
    public SecretRotationConstruct ApiKeyRotation { get; }
    /// <summary>The listener rule that admits requests carrying the origin header; its rotation rewrites the values.</summary>
    public ApplicationListenerRule OriginRule { get; }
    public LogGroup Logs { get; }
    public IBucket? AccessLogs { get; }
    /// <summary>The group's launch, termination and failure notifications (subscribe operators or a chat hook); null with eks.</summary>
    public Topic? ScalingEvents { get; }

    public WebTierConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection publicSubnets,
        SubnetSelection appSubnets, WebTierDependencies deps, ServiceImage image) : base(scope, id)
    {
        var web = settings.Web;
        var https = web.CertificateArn is not null;
        var stack = Stack.Of(this);

        OriginSecret = new Secret(this, "OriginSecret", new SecretProps
        {
            Description = $"{settings.Name}: header value CloudFront sends and the ALB requires ({OriginHeader})",
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 48, ExcludePunctuation = true }, // ALB treats * and ? as wildcards
        });
        ApiKey = new Secret(this, "ApiKey", new SecretProps
        {
            Description = $"{settings.Name}: API key with read and write scopes; instances configure only its SHA-256",
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 40, ExcludePunctuation = true },
        });
        // The API key rotates to a new random value; instances accept the current and the previous key (their
        // refresher writes both), so clients switch within one rotation period. The origin header rotates with the
        // distribution it belongs to (EdgeConstruct).
        NagSuppressions.Add(OriginSecret, new NagSuppression("AwsSolutions-SMG4",
            "rotated every secrets.rotationDays by the schedule in the edge stack (EdgeConstruct.OriginSecretRotation), which must live beside the distribution whose header it rewrites; cdk-nag checks one template at a time, and RotationTests asserts that every secret of every environment has a schedule"));
        ApiKeyRotation = new SecretRotationConstruct(this, "ApiKeyRotation", settings, ApiKey,
            new RotationTarget("random-value", new Dictionary<string, string>(), [], Duration.Minutes(1)));
        Logs = new LogGroup(this, "ServiceLogs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });

        // ---- load balancer ----
        var albSecurityGroup = AlbSecurityGroup = new SecurityGroup(this, "AlbSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc, AllowAllOutbound = false, Description = $"{settings.Name} ALB: CloudFront origin-facing addresses only",
        });
        var listenerPort = https ? 443 : 80;
        albSecurityGroup.AddIngressRule(Peer.PrefixList(CloudFrontPrefixListId()), Port.Tcp(listenerPort), "CloudFront origin-facing");

        LoadBalancer = new ApplicationLoadBalancer(this, "Alb", new ApplicationLoadBalancerProps
        {
            Vpc = vpc,
            VpcSubnets = publicSubnets,
            InternetFacing = true,
            SecurityGroup = albSecurityGroup,
            IdleTimeout = Duration.Seconds(web.IdleTimeoutSeconds),
            DropInvalidHeaderFields = true,
            DeletionProtection = settings.Production,
        });
        if (web.AccessLogs)
        {
            var bucket = new Bucket(this, "AccessLogs", new BucketProps
            {
                Encryption = BucketEncryption.S3_MANAGED, // ALB log delivery does not support KMS keys
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                EnforceSSL = true,
                Versioned = false,
                LifecycleRules = [new LifecycleRule { Expiration = Duration.Days(web.AccessLogRetentionDays) }],
                RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
                AutoDeleteObjects = !settings.Production,
            });
            LoadBalancer.LogAccessLogs(bucket, "alb");
            if (!settings.Production) CdkInternals.SuppressAutoDeleteObjects(Stack.Of(this));
            NagSuppressions.Add(bucket, new NagSuppression("AwsSolutions-S1", "this bucket is the ALB's access-log destination; logging its own accesses to itself would loop, and S3 data events in CloudTrail cover reads of it"));
            AccessLogs = bucket;
        }

        // ---- instances (web.platform asg; with eks the API runs as pods, WebPodsConstruct) ----
        if (web.Platform == WebPlatform.Asg)
        {
            InstanceSecurityGroup = new SecurityGroup(this, "InstanceSecurityGroup", new SecurityGroupProps
            {
                Vpc = vpc, AllowAllOutbound = true, Description = $"{settings.Name} API instances: the ALB only",
            });
            InstanceRole = new Role(this, "InstanceRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
                Description = $"{settings.Name} API instances: read their secrets, pull the image, write logs",
                ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")], // Session Manager, no SSH
            });
            NagSuppressions.Add(InstanceRole, new NagSuppression("AwsSolutions-IAM4",
                "AmazonSSMManagedInstanceCore lets operators reach instances with Session Manager (no SSH, no open port); AWS maintains it with the SSM agent",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"));
            deps.RedisAuthToken.GrantRead(InstanceRole);
            deps.CacheRedisAuthToken.GrantRead(InstanceRole);
            SignalPolicies.AllowPublishing(InstanceRole);
            deps.DatabaseSecret.GrantRead(InstanceRole);
            ApiKey.GrantRead(InstanceRole);
            image.GrantPull(InstanceRole);
            Logs.GrantWrite(InstanceRole);

            var userData = UserData.ForLinux();
            var launchTemplate = LaunchTemplate = new LaunchTemplate(this, "LaunchTemplate", new LaunchTemplateProps
            {
                UserData = userData,
                MachineImage = MachineImage.LatestAmazonLinux2023(), // an SSM parameter resolved at deploy time, not a lookup
                InstanceType = new InstanceType(web.InstanceType),
                RequireImdsv2 = true,
                // 1-minute CPUUtilization: with basic (5-minute) data the CPU target-tracking policy needs 15 minutes of breach
                // to scale out (the scaling rehearsal's finding).
                DetailedMonitoring = true,
                HttpPutResponseHopLimit = 1, // containers cannot reach the instance's credentials
                SecurityGroup = InstanceSecurityGroup,
                Role = InstanceRole,
                BlockDevices =
                [
                    new Ec2BlockDevice
                    {
                        DeviceName = "/dev/xvda",
                        Volume = Ec2BlockDeviceVolume.Ebs(web.VolumeSizeGiB, new Ec2EbsDeviceOptions
                        {
                            VolumeType = Ec2EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true,
                        }),
                    },
                ],
            });

            ScalingEvents = ScalingEventsTopic(settings);
            Group = new AutoScalingGroup(this, "Group", new AutoScalingGroupProps
            {
                Notifications = [new NotificationConfiguration { Topic = ScalingEvents }], // every launch, termination and failure
                Vpc = vpc,
                VpcSubnets = appSubnets,
                LaunchTemplate = launchTemplate,
                MinCapacity = web.MinCapacity,
                MaxCapacity = web.MaxCapacity,
                DesiredCapacity = web.DesiredCapacity,
                HealthCheck = AsgHealthCheck.Elb(new ElbHealthCheckOptions { Grace = Duration.Seconds(web.HealthCheckGraceSeconds) }),
                // Without it, target tracking falls back to the 300 s default cooldown as warm-up: new instances stay out of
                // the metrics, and scale-in stays blocked, for 5 minutes after every launch.
                DefaultInstanceWarmup = Duration.Seconds(web.InstanceWarmupSeconds),
                // New instances signal once /api/health/ready answers; CloudFormation replaces one at a time and rolls back on failure.
                Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = Duration.Minutes(15) }),
                UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
                {
                    MaxBatchSize = 1,
                    MinInstancesInService = Math.Min(web.DesiredCapacity, Math.Max(0, web.MaxCapacity - 1)),
                    WaitOnResourceSignals = true,
                    PauseTime = Duration.Minutes(15),
                }),
                GroupMetrics = [GroupMetrics.All()],
            });
            // desiredCapacity resets the group's size on each deploy; intended: the settings file is the source of truth.
            Amazon.CDK.Annotations.Of(Group).AcknowledgeWarning("@aws-cdk/aws-autoscaling:desiredCapacitySet", "the settings file owns the size");

            var groupLogicalId = stack.GetLogicalId((CfnElement)Group.Node.DefaultChild!);
            userData.AddCommands(BootScript(new Dictionary<string, string>
            {
                ["REGION"] = stack.Region,
                ["IMAGE"] = image.Uri,
                ["PORT"] = settings.Service.Port.ToString(),
                ["GRACE"] = settings.Service.ShutdownGraceSeconds.ToString(),
                ["LOG_GROUP"] = Logs.LogGroupName,
                ["REDIS_HOST"] = deps.RedisHost,
                ["REDIS_PORT"] = Data.CacheConstruct.Port.ToString(),
                ["REDIS_SECRET"] = deps.RedisAuthToken.SecretArn,
                ["CACHE_HOST"] = deps.CacheRedisHost,
                ["CACHE_SECRET"] = deps.CacheRedisAuthToken.SecretArn,
                ["ENVIRONMENT"] = settings.Name,
                ["DB_HOST"] = deps.DatabaseHost,
                ["DB_PORT"] = Data.DatabaseConstruct.Port.ToString(),
                ["DB_SECRET"] = deps.DatabaseSecret.SecretArn,
                ["API_KEY_SECRET"] = ApiKey.SecretArn,
                ["REFRESH"] = settings.Secrets.RefreshSeconds.ToString(),
                ["STACK"] = stack.StackName,
                ["RESOURCE"] = groupLogicalId,
            }));
            Group.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = ["cloudformation:SignalResource"],
                Resources = [stack.StackId],
            }));

        }

        // ---- listeners and routing ----
        TargetGroup = new ApplicationTargetGroup(this, "Targets", new ApplicationTargetGroupProps
        {
            Vpc = vpc,
            Port = settings.Service.Port,
            Protocol = ApplicationProtocol.HTTP,
            // eks: pods register their IPs through the AWS Load Balancer Controller's TargetGroupBinding.
            TargetType = Group is null ? TargetType.IP : TargetType.INSTANCE,
            Targets = Group is null ? null : [Group],
            DeregistrationDelay = Duration.Seconds(Math.Min(settings.Service.ShutdownGraceSeconds, 30)),
            HealthCheck = new TargetHealthCheck
            {
                Path = "/api/health", HealthyHttpCodes = "200", Interval = Duration.Seconds(15),
                HealthyThresholdCount = 2, UnhealthyThresholdCount = 3,
            },
        });

        var forbidden = ListenerAction.FixedResponse(403, new FixedResponseOptions { ContentType = "text/plain", MessageBody = "Forbidden" });
        ApplicationListener listener;
        if (https)
        {
            LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80, Open = false,
                DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = "443", Permanent = true }),
            });
            listener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443, Open = false, SslPolicy = SslPolicy.RECOMMENDED_TLS, // TLS 1.2 and 1.3
                Certificates = [ListenerCertificate.FromArn(web.CertificateArn!)],
                DefaultAction = forbidden,
            });
        }
        else
        {
            listener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps { Port = 80, Open = false, DefaultAction = forbidden });
        }
        listener.AddTargetGroups("FromCloudFront", new AddApplicationTargetGroupsProps
        {
            Priority = 10,
            Conditions = [ListenerCondition.HttpHeader(OriginHeader, [OriginSecret.SecretValue.UnsafeUnwrap()])],
            TargetGroups = [TargetGroup],
        });
        OriginRule = (ApplicationListenerRule)listener.Node.FindChild("FromCloudFrontRule");

        if (Group is not null)
        {
            // ---- scaling: the source document's two target-tracking policies, plus step scaling on our own p95 ----
            Group.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps { TargetUtilizationPercent = web.CpuTargetPercent });
            Group.ScaleOnRequestCount("Requests", new RequestCountScalingProps { TargetRequestsPerMinute = web.RequestsPerTarget });
            Group.ScaleOnMetric("ResponseTimeP95", new BasicStepScalingPolicyProps
            {
                Metric = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.ResponseTime, settings.Name),
                AdjustmentType = AdjustmentType.CHANGE_IN_CAPACITY,
                // p95 over the load test's 500 ms: add instances. Scale-in is left to target tracking: a step that removed an
                // instance whenever p95 was low fought the request-count policy (the rehearsal showed the group flapping
                // between 3 and 10 every few minutes of a day), because low latency is the normal state, not a surplus.
                ScalingSteps =
                [
                    new ScalingInterval { Upper = 500, Change = 0 },
                    new ScalingInterval { Lower = 500, Change = +1 },
                    new ScalingInterval { Lower = 1000, Change = +2 },
                ],
                EvaluationPeriods = 3,
                EstimatedInstanceWarmup = Duration.Seconds(web.InstanceWarmupSeconds), // new instances count once warm, not at launch
            });
        }
    }

    /// <summary>
    /// The CloudFront origin-facing managed prefix list id, found at deploy time (CDK 2.160 has no lookup-free way,
    /// and hard-coding per-region ids would rot).
    /// </summary>
    private string CloudFrontPrefixListId()
    {
        var lookup = new AwsCustomResource(this, "CloudFrontPrefixList", new AwsCustomResourceProps
        {
            OnUpdate = new AwsSdkCall
            {
                Service = "EC2",
                Action = "describeManagedPrefixLists",
                Parameters = new Dictionary<string, object>
                {
                    ["Filters"] = new object[]
                    {
                        new Dictionary<string, object> { ["Name"] = "prefix-list-name", ["Values"] = new[] { "com.amazonaws.global.cloudfront.origin-facing" } },
                    },
                },
                PhysicalResourceId = PhysicalResourceId.Of("cloudfront-origin-facing-prefix-list"),
                OutputPaths = ["PrefixLists.0.PrefixListId"],
            },
            Policy = AwsCustomResourcePolicy.FromStatements(
            [
                new PolicyStatement(new PolicyStatementProps { Actions = ["ec2:DescribeManagedPrefixLists"], Resources = ["*"] }), // a Describe: no resource scoping exists
            ]),
            InstallLatestAwsSdk = false,
        });
        NagSuppressions.AddUnder(lookup, r => r.CfnResourceType == "AWS::IAM::Policy", new NagSuppression("AwsSolutions-IAM5",
            "ec2:DescribeManagedPrefixLists has no resource-level permissions; the policy allows nothing else", "Resource::*"));
        CdkInternals.SuppressAwsCustomResourceHandler(Stack.Of(this));
        return lookup.GetResponseField("PrefixLists.0.PrefixListId");
    }

    /// <summary>
    /// An encrypted, TLS-only topic for the group's lifecycle notifications. Its key is customer-managed because Auto
    /// Scaling publishes with its service-linked role, which the AWS-managed aws/sns key's policy cannot admit.
    /// </summary>
    private Topic ScalingEventsTopic(EnvironmentSettings settings)
    {
        var key = new Key(this, "ScalingEventsKey", new KeyProps
        {
            Description = $"{settings.Name} Auto Scaling notifications topic encryption",
            EnableKeyRotation = true,
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AutoScalingPublishes",
            // By condition, not as a principal: a key policy naming a role that does not exist yet (an account's first
            // Auto Scaling group creates it) is refused.
            Principals = [new AnyPrincipal()],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"], // "this key", in a key policy
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:CallerAccount"] = Aws.ACCOUNT_ID },
                ["ArnEquals"] = new Dictionary<string, object>
                {
                    ["aws:PrincipalArn"] = $"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                },
            },
        }));
        return new Topic(this, "ScalingEvents", new TopicProps
        {
            DisplayName = $"{settings.Name} API instances: launches, terminations, failures",
            MasterKey = key,
            EnforceSSL = true,
        });
    }

    private static string BootScript(IReadOnlyDictionary<string, string> values)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("boot.sh")!;
        var script = new StreamReader(stream).ReadToEnd();
        foreach (var (key, value) in values) script = script.Replace($"@@{key}@@", value);
        return script;
    }
}
