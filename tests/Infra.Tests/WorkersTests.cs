using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using Workflows.ScalingSignals;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class WorkersTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_cluster_logs_everything_encrypts_secrets_and_keeps_prod_private(string env)
    {
        var e = Environments.Get(env);
        var config = Resources(e.Workers, "Custom::AWSCDK-EKS-Cluster").Single()["Properties"]!["Config"]!;
        Assert.Equal(e.Settings.Workers.KubernetesVersion, config["version"]!.GetValue<string>());
        Assert.Equal(["api", "audit", "authenticator", "controllerManager", "scheduler"],
            config["logging"]!["clusterLogging"]![0]!["types"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.Equal("secrets", config["encryptionConfig"]![0]!["resources"]![0]!.GetValue<string>());
        Assert.Equal(env == "dev", config["resourcesVpcConfig"]!["endpointPublicAccess"]!.GetValue<bool>());
        Assert.True(config["resourcesVpcConfig"]!["endpointPrivateAccess"]!.GetValue<bool>());
        e.Workers.HasResourceProperties("AWS::KMS::Key", Like(("EnableKeyRotation", true)));
        e.Workers.HasResourceProperties("AWS::Lambda::LayerVersion", Like(("Description", $"kubectl and helm for EKS {e.Settings.Workers.KubernetesVersion}")));
        e.Workers.ResourceCountIs("Custom::AWSCDKOpenIdConnectProvider", 1); // IRSA
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Nodes_have_the_settings_bounds_imdsv2_and_encrypted_disks(string env)
    {
        var e = Environments.Get(env);
        var w = e.Settings.Workers;
        e.Workers.HasResourceProperties("AWS::EKS::Nodegroup", Like(
            ("ScalingConfig", Obj(("MinSize", w.NodeMinSize), ("MaxSize", w.NodeMaxSize), ("DesiredSize", w.NodeDesiredSize))),
            ("InstanceTypes", new[] { w.NodeInstanceType }), ("AmiType", "AL2023_x86_64_STANDARD")));
        e.Workers.HasResourceProperties("AWS::EC2::LaunchTemplate", Like(("LaunchTemplateData", Like(
            ("MetadataOptions", Like(("HttpTokens", "required"))),
            ("BlockDeviceMappings", Match.ArrayWith([Like(("Ebs", Like(("Encrypted", true))))]))))));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_charts_are_pinned_and_configured(string env)
    {
        var e = Environments.Get(env);
        var charts = e.Settings.Workers.Charts;
        e.Workers.HasResourceProperties("Custom::AWSCDK-EKS-HelmChart", Like(("Chart", "keda"), ("Version", charts.Keda), ("Namespace", "keda"),
            ("Wait", true), ("CreateNamespace", Match.Absent()),
            ("Values", Match.SerializedJson(Match.ObjectLike(Obj(("serviceAccount", Like(("operator", Like(("create", false), ("name", "keda-operator")))))))))));
        e.Workers.HasResourceProperties("Custom::AWSCDK-EKS-HelmChart", Like(("Chart", "cluster-autoscaler"), ("Version", charts.ClusterAutoscaler),
            ("Values", Match.SerializedJson(Match.ObjectLike(Obj(
                ("autoDiscovery", Like(("clusterName", $"workflows-{env}"))),
                ("rbac", Like(("serviceAccount", Like(("create", false), ("name", "cluster-autoscaler"))))),
                ("image", Like(("tag", charts.ClusterAutoscalerImageTag)))))))));
        e.Workers.HasResourceProperties("Custom::AWSCDK-EKS-HelmChart", Like(("Chart", "metrics-server"), ("Version", charts.MetricsServer), ("Namespace", "kube-system")));
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_worker_deployment_has_the_documents_resources_probes_and_grace(string env)
    {
        var e = Environments.Get(env);
        var deployment = e.KubernetesObject("Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var worker = pod["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "worker")!;

        Assert.Equal(("500m", "1Gi"), (worker["resources"]!["requests"]!["cpu"]!.GetValue<string>(), worker["resources"]!["requests"]!["memory"]!.GetValue<string>()));
        Assert.Equal(("2", "2Gi"), (worker["resources"]!["limits"]!["cpu"]!.GetValue<string>(), worker["resources"]!["limits"]!["memory"]!.GetValue<string>()));
        Assert.Equal("/api/health", worker["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/api/health/ready", worker["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(e.Settings.Service.ShutdownGraceSeconds + 15, pod["terminationGracePeriodSeconds"]!.GetValue<int>());
        Assert.Contains(pod["topologySpreadConstraints"]!.AsArray(), t => t!["topologyKey"]!.GetValue<string>() == "topology.kubernetes.io/zone");
        Assert.Equal("workflow-worker", pod["serviceAccountName"]!.GetValue<string>());

        var env_ = worker["env"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!["value"]!.GetValue<string>());
        Assert.Equal("worker", env_["Workflows__Role"]);
        Assert.Null(deployment["spec"]!["replicas"]); // KEDA owns the count; a deploy must not reset a scaled-out pool
        Assert.Equal(("putmetricdata", env), (env_["Metrics__Sink"], env_["Metrics__Environment"]));
        Assert.StartsWith("/run/secrets/", env_["Cache__PasswordFile"]);
        Assert.Equal(e.Settings.Service.ShutdownGraceSeconds.ToString(), env_["Workflows__ShutdownGraceSeconds"]);
        Assert.DoesNotContain("password=", env_["Redis__ConnectionString"]);
        Assert.StartsWith("/run/secrets/", env_["Redis__PasswordFile"]);
        Assert.StartsWith("/run/secrets/", env_["Storage__MongoDb__CredentialsFile"]);
        Assert.DoesNotContain("@", env_["Storage__MongoDb__ConnectionString"]); // no credentials in the URI

        var pdb = e.KubernetesObject("PodDisruptionBudget");
        Assert.Equal("1", pdb["spec"]!["maxUnavailable"]!.ToString());
        Assert.DoesNotContain(e.KubernetesObjects, o => o["kind"]!.GetValue<string>() == "HorizontalPodAutoscaler"); // KEDA makes it
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_scaled_object_scales_on_cpu_and_the_services_queue_length(string env)
    {
        var e = Environments.Get(env);
        var w = e.Settings.Workers;
        var spec = e.KubernetesObject("ScaledObject")["spec"]!;
        Assert.Equal((w.MinReplicas, w.MaxReplicas), (spec["minReplicaCount"]!.GetValue<int>(), spec["maxReplicaCount"]!.GetValue<int>()));
        Assert.Null(spec["fallback"]); // KEDA refuses a fallback beside a cpu trigger

        var triggers = spec["triggers"]!.AsArray().ToDictionary(t => t!["type"]!.GetValue<string>());
        Assert.Equal(("Utilization", "75"), (triggers["cpu"]!["metricType"]!.GetValue<string>(), triggers["cpu"]!["metadata"]!["value"]!.GetValue<string>()));
        var cw = triggers["aws-cloudwatch"]!;
        var meta = cw["metadata"]!;
        Assert.Equal("AverageValue", cw["metricType"]!.GetValue<string>());
        // Exactly what the service publishes: the shared contract's namespace, name, dimensions and period.
        Assert.Equal(Signals.Namespace, meta["namespace"]!.GetValue<string>());
        Assert.Equal(Signals.QueueLength.Name, meta["metricName"]!.GetValue<string>());
        Assert.Equal(string.Join(";", Signals.QueueLength.Dimensions), meta["dimensionName"]!.GetValue<string>());
        Assert.Equal(env, meta["dimensionValue"]!.GetValue<string>());
        Assert.Equal(Signals.PeriodSeconds.ToString(), meta["metricStatPeriod"]!.GetValue<string>());
        Assert.Equal("10", meta["targetMetricValue"]!.GetValue<string>());
        Assert.Equal("false", meta["ignoreNullValues"]!.GetValue<string>());
        Assert.Equal("keda-aws", cw["authenticationRef"]!["name"]!.GetValue<string>());

        var behavior = spec["advanced"]!["horizontalPodAutoscalerConfig"]!["behavior"]!;
        Assert.Equal(300, behavior["scaleDown"]!["stabilizationWindowSeconds"]!.GetValue<int>());
        Assert.Equal("""[{"type":"Percent","value":50,"periodSeconds":60}]""", behavior["scaleDown"]!["policies"]!.ToJsonString());
        Assert.Equal(0, behavior["scaleUp"]!["stabilizationWindowSeconds"]!.GetValue<int>());
        Assert.Equal("""[{"type":"Percent","value":100,"periodSeconds":30},{"type":"Pods","value":2,"periodSeconds":30}]""", behavior["scaleUp"]!["policies"]!.ToJsonString());
        Assert.Equal("Max", behavior["scaleUp"]!["selectPolicy"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Objects_using_kedas_crds_wait_for_the_keda_chart(string env)
    {
        var e = Environments.Get(env);
        var resources = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(e.Workers.ToJSON()))!["Resources"]!.AsObject();
        var keda = e.Workers.FindResources("Custom::AWSCDK-EKS-HelmChart", Like(("Properties", Like(("Chart", "keda"))))).Keys.Single();
        foreach (var kind in new[] { "ScaledObject", "TriggerAuthentication" })
        {
            var manifest = resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "Custom::AWSCDK-EKS-KubernetesResource"
                && (r.Value["Properties"]!["Manifest"] is JsonValue m ? m.GetValue<string>() : "").Contains($"\"kind\":\"{kind}\""));
            Assert.Contains(keda, manifest.Value!["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
        }
        // The chart itself waits for its operator's IRSA service account; every chart waits for the nodes its pods need.
        var kedaChart = resources[keda]!;
        Assert.Contains(kedaChart["DependsOn"]!.AsArray(), d => d!.GetValue<string>().Contains("KedaOperatorAccount"));
        var nodegroup = e.Workers.FindResources("AWS::EKS::Nodegroup").Keys.Single();
        foreach (var chart in e.Workers.FindResources("Custom::AWSCDK-EKS-HelmChart").Keys)
            Assert.Contains(nodegroup, resources[chart]!["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Contains(e.Stacks.Web, e.Stacks.Workers.Dependencies); // the image is pushed with the web stack
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Irsa_roles_allow_exactly_what_each_component_needs(string env)
    {
        var e = Environments.Get(env);
        var policies = Resources(e.Workers, "AWS::IAM::Policy").Select(p => p["Properties"]!).ToList();
        string[] Actions(JsonNode policy) => policy["PolicyDocument"]!["Statement"]!.AsArray()
            .SelectMany(s => s!["Action"] is JsonArray a ? a.Select(x => x!.GetValue<string>()) : [s["Action"]!.GetValue<string>()]).Order().ToArray();

        var keda = policies.Single(p => p["PolicyName"]!.ToString().Contains("KedaOperator"));
        Assert.Equal(["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"], Actions(keda));

        var autoscaler = policies.Single(p => p["PolicyName"]!.ToString().Contains("ClusterAutoscaler"));
        var scale = autoscaler["PolicyDocument"]!["Statement"]!.AsArray().Single(s => s!["Sid"]!.GetValue<string>() == "ScaleOwnNodeGroups")!;
        Assert.Equal("owned", scale["Condition"]!["StringEquals"]![$"aws:ResourceTag/k8s.io/cluster-autoscaler/workflows-{env}"]!.GetValue<string>());

        var worker = policies.Single(p => p["PolicyName"]!.ToString().Contains("WorkerAccount"));
        Assert.Equal(["cloudwatch:PutMetricData", "secretsmanager:DescribeSecret", "secretsmanager:DescribeSecret", "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:GetSecretValue"], Actions(worker));
        var publish = worker["PolicyDocument"]!["Statement"]!.AsArray().Single(s => s!["Sid"]?.GetValue<string>() == "PublishScalingSignals")!;
        Assert.Equal(Signals.Namespace, publish["Condition"]!["StringEquals"]!["cloudwatch:namespace"]!.GetValue<string>());
        Assert.All(policies.SelectMany(Actions), a => Assert.DoesNotContain("*", a));
    }

    [Fact]
    public void Dev_is_small_and_prod_holds_the_documents_bounds()
    {
        Assert.Equal((1, 3), (Environments.Settings("dev").Workers.MinReplicas, Environments.Settings("dev").Workers.MaxReplicas));
        var prod = Environments.Settings("prod").Workers;
        Assert.Equal((3, 20, 75, 10), (prod.MinReplicas, prod.MaxReplicas, prod.CpuTargetPercent, prod.QueueLengthPerPod));
    }
}
