using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text;
using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class WebTierTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_group_has_the_settings_bounds_elb_health_checks_and_rolling_updates(string env)
    {
        var e = Environments.Get(env);
        var web = e.Settings.Web;
        e.Web.HasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Like(
            ("MinSize", web.MinCapacity.ToString()), ("MaxSize", web.MaxCapacity.ToString()), ("DesiredCapacity", web.DesiredCapacity.ToString()),
            ("HealthCheckType", "ELB"), ("HealthCheckGracePeriod", web.HealthCheckGraceSeconds)));
        e.Web.HasResource("AWS::AutoScaling::AutoScalingGroup", Like(
            ("UpdatePolicy", Like(("AutoScalingRollingUpdate", Like(("MaxBatchSize", 1), ("WaitOnResourceSignals", true))))),
            ("CreationPolicy", Like(("ResourceSignal", Like(("Count", web.MinCapacity)))))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Scaling_tracks_cpu_and_requests_per_target(string env)
    {
        var e = Environments.Get(env);
        e.Web.HasResourceProperties("AWS::AutoScaling::ScalingPolicy", Like(("PolicyType", "TargetTrackingScaling"), ("TargetTrackingConfiguration", Like(
            ("PredefinedMetricSpecification", Like(("PredefinedMetricType", "ASGAverageCPUUtilization"))), ("TargetValue", e.Settings.Web.CpuTargetPercent)))));
        e.Web.HasResourceProperties("AWS::AutoScaling::ScalingPolicy", Like(("PolicyType", "TargetTrackingScaling"), ("TargetTrackingConfiguration", Like(
            ("PredefinedMetricSpecification", Like(("PredefinedMetricType", "ALBRequestCountPerTarget"))), ("TargetValue", e.Settings.Web.RequestsPerTarget)))));
        e.Web.ResourceCountIs("AWS::AutoScaling::ScalingPolicy", 3);

        // Step scaling on the service's own p95 response time: one scale-out policy driven by an alarm on the contract's metric.
        e.Web.ResourcePropertiesCountIs("AWS::AutoScaling::ScalingPolicy", Like(("PolicyType", "StepScaling")), 1); // scale-out only: scale-in is target tracking's
        var alarms = Resources(e.Web, "AWS::CloudWatch::Alarm").Select(a => a["Properties"]!).ToList();
        Assert.Single(alarms);
        foreach (var alarm in alarms)
        {
            var stat = alarm["Metrics"]![0]!["MetricStat"]!;
            Assert.Equal(("N8nFrontend", "ResponseTime", "p95"), (stat["Metric"]!["Namespace"]!.GetValue<string>(), stat["Metric"]!["MetricName"]!.GetValue<string>(), stat["Stat"]!.GetValue<string>()));
            Assert.Equal(env, stat["Metric"]!["Dimensions"]![0]!["Value"]!.GetValue<string>());
        }
        Assert.Equal([500.0], alarms.Select(a => a["Threshold"]!.GetValue<double>()));
        Assert.Contains("awslogs-format=json/emf", Resources(e.Web, "AWS::EC2::LaunchTemplate").Single().ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Instances_require_imdsv2_encrypt_their_disk_and_run_the_api_role(string env)
    {
        var e = Environments.Get(env);
        e.Web.HasResourceProperties("AWS::EC2::LaunchTemplate", Like(("LaunchTemplateData", Like(
            ("MetadataOptions", Like(("HttpTokens", "required"), ("HttpPutResponseHopLimit", 1))),
            ("InstanceType", e.Settings.Web.InstanceType),
            ("BlockDeviceMappings", Match.ArrayWith([Like(("Ebs", Like(("Encrypted", true), ("VolumeType", "gp3"))))]))))));

        var userData = Resources(e.Web, "AWS::EC2::LaunchTemplate").Single()["Properties"]!["LaunchTemplateData"]!["UserData"]!.ToJsonString();
        Assert.Contains("Workflows__Role=api", userData);
        Assert.Contains("secretsmanager get-secret-value", userData);
        Assert.DoesNotContain("@@", userData); // every placeholder was filled
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_instance_role_reads_only_its_own_secrets(string env)
    {
        var e = Environments.Get(env);
        var policy = Resources(e.Web, "AWS::IAM::Policy").Single(p => p["Properties"]!["Roles"]!.ToJsonString().Contains("WebInstanceRole"));
        var statements = policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
        var secretReads = statements.Where(s => s!["Action"]!.ToJsonString().Contains("secretsmanager:GetSecretValue")).ToList();
        Assert.Equal(4, secretReads.Count); // queue Redis token, cache Redis token, DocumentDB master, API key
        Assert.All(secretReads, s => Assert.DoesNotContain("\"*\"", s!["Resource"]!.ToJsonString()));
        Assert.Contains(statements, s => s!["Action"]!.ToJsonString().Contains("cloudformation:SignalResource"));
        var publish = statements.Single(s => s!["Sid"]?.GetValue<string>() == "PublishScalingSignals")!;
        Assert.Equal("cloudwatch:PutMetricData", publish["Action"]!.GetValue<string>());
        Assert.Equal(Workflows.ScalingSignals.Signals.Namespace, publish["Condition"]!["StringEquals"]!["cloudwatch:namespace"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_alb_answers_only_cloudfront(string env)
    {
        var e = Environments.Get(env);
        var https = e.Settings.Web.CertificateArn is not null;
        e.Web.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Like(("Scheme", "internet-facing"),
            ("LoadBalancerAttributes", Match.ArrayWith([Like(("Key", "idle_timeout.timeout_seconds"), ("Value", "60"))]))));
        e.Web.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Like(("HealthCheckPath", "/api/health"), ("Port", 8080)));

        var albGroup = e.Web.FindResources("AWS::EC2::SecurityGroup", Like(("Properties", Like(("GroupDescription", Match.StringLikeRegexp("CloudFront origin-facing addresses only")))))).Keys.Single();
        Assert.False(Resources(e.Web, "AWS::EC2::SecurityGroup").Any(g => g["Properties"]!["SecurityGroupIngress"] is not null), "inline ingress rules");
        var ingress = Resources(e.Web, "AWS::EC2::SecurityGroupIngress").Where(r => r["Properties"]!["GroupId"]!.ToJsonString().Contains(albGroup)).ToList();
        Assert.Single(ingress); // the prefix list only: no 0.0.0.0/0
        Assert.Contains("PrefixLists.0.PrefixListId", ingress[0]["Properties"]!["SourcePrefixListId"]!.ToJsonString());
        Assert.Equal(https ? 443 : 80, ingress[0]["Properties"]!["FromPort"]!.GetValue<int>());
        e.Web.HasResourceProperties("Custom::AWS", Match.ObjectLike(Obj(("Create", Match.StringLikeRegexp("com.amazonaws.global.cloudfront.origin-facing")))));

        // Default action 403; only requests with the secret header are forwarded.
        e.Web.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Like(("Port", https ? 443 : 80),
            ("DefaultActions", Match.ArrayWith([Like(("Type", "fixed-response"), ("FixedResponseConfig", Like(("StatusCode", "403"))))]))));
        var rule = Resources(e.Web, "AWS::ElasticLoadBalancingV2::ListenerRule").Single();
        Assert.Contains("X-Origin-Verify", rule.ToJsonString());
        Assert.Contains("{{resolve:secretsmanager:", rule.ToJsonString());
    }

    [Fact]
    public void Prod_terminates_tls_with_a_modern_policy_and_redirects_http()
    {
        var prod = Environments.Get("prod").Web;
        prod.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Like(("Port", 443), ("Protocol", "HTTPS"), ("SslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06")));
        prod.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Like(("Port", 80),
            ("DefaultActions", Match.ArrayWith([Like(("Type", "redirect"), ("RedirectConfig", Like(("Protocol", "HTTPS"), ("StatusCode", "HTTP_301"))))]))));
        foreach (var attribute in new[] { "access_logs.s3.enabled", "deletion_protection.enabled", "routing.http.drop_invalid_header_fields.enabled" })
            prod.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Like(("LoadBalancerAttributes", Match.ArrayWith([Like(("Key", attribute), ("Value", "true"))]))));
        prod.HasResourceProperties("AWS::S3::Bucket", Like(("BucketEncryption", Match.AnyValue())));

        var dev = Environments.Get("dev").Web;
        dev.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
        // Access logs are on everywhere (cdk-nag ELB2); dev keeps them 14 days.
        dev.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Like(("LoadBalancerAttributes", Match.ArrayWith([Like(("Key", "access_logs.s3.enabled"), ("Value", "true"))]))));
        dev.HasResourceProperties("AWS::S3::Bucket", Like(("LifecycleConfiguration", Like(("Rules", Match.ArrayWith([Like(("ExpirationInDays", 14))]))))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_group_notifies_launches_terminations_and_failures_to_an_encrypted_topic(string env)
    {
        var web = Environments.Get(env).Web;
        web.HasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Like(("NotificationConfigurations", Match.ArrayWith([Like(
            ("TopicARN", Like(("Ref", Match.StringLikeRegexp("^WebScalingEvents")))),
            ("NotificationTypes", Match.ArrayWith(["autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR", "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR"])))]))));
        web.HasResourceProperties("AWS::SNS::Topic", Like(("KmsMasterKeyId", Match.AnyValue())));
    }

    [Fact]
    public void A_deploy_with_placeholder_settings_is_refused_by_a_template_rule_naming_the_keys()
    {
        var prod = Environments.Get("prod");
        foreach (var (template, key) in new[] { (prod.Web, "web.certificateArn"), (prod.Edge, "edge.certificateArn"), (prod.Edge, "edge.domainNames") })
        {
            var rule = JsonNode.Parse(JsonSerializer.Serialize(template.ToJSON()))!["Rules"]!["RefusePlaceholderSettings"]!;
            var description = rule["Assertions"]![0]!["AssertDescription"]!.GetValue<string>();
            Assert.Contains($"stacks/prod.yaml still holds placeholders: ", description);
            Assert.Contains(key, description);
        }

        var real = Environments.Settings("prod") with
        {
            Aws = Environments.Settings("prod").Aws with { Account = "210987654321" },
            Web = Environments.Settings("prod").Web with { CertificateArn = "arn:aws:acm:eu-west-1:210987654321:certificate/2f1c1a3e-1111-4222-8333-944455556666" },
            Edge = Environments.Settings("prod").Edge with
            {
                CertificateArn = "arn:aws:acm:us-east-1:210987654321:certificate/7a1c1a3e-1111-4222-8333-944455556666",
                OriginDomainName = "origin.flows.acme.io", DomainNames = ["flows.acme.io"],
            },
        };
        var built = Environments.Build(real);
        foreach (var template in new[] { built.Web, built.Edge })
            Assert.Null(JsonNode.Parse(JsonSerializer.Serialize(template.ToJSON()))!["Rules"]?["RefusePlaceholderSettings"]);
    }

    [Fact]
    public void A_pipeline_built_image_replaces_the_docker_asset()
    {
        var settings = Environments.Settings("dev") with
        {
            Service = new() { ImageUri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/workflows:1.2.3" },
        };
        var e = Environments.Build(settings);
        var userData = Resources(e.Web, "AWS::EC2::LaunchTemplate").Single()["Properties"]!["LaunchTemplateData"]!["UserData"]!.ToJsonString();
        Assert.Contains("123456789012.dkr.ecr.eu-west-1.amazonaws.com/workflows:1.2.3", userData);
        Assert.Contains("repository/workflows", Resources(e.Web, "AWS::IAM::Policy").Select(p => p.ToJsonString()).Aggregate(new StringBuilder(), (b, s) => b.Append(s)).ToString());
    }
}
