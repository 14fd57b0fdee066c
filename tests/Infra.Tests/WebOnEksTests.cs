using System.Text.Json.Nodes;
using Amazon.CDK;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;
using Infra.Templates;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>dev and prod with <c>web.platform: eks</c>, synthesized into one assembly with the compliance checks run once.</summary>
public sealed class EksWebAssembly : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("assembly-eks-").FullName;
    public ComplianceReport Compliance { get; }
    public Dictionary<string, SynthesizedEnvironment> Environments { get; } = [];

    public static EnvironmentSettings Eks(string env)
    {
        var s = Fixtures.Environments.Settings(env);
        return s with { Web = s.Web with { Platform = WebPlatform.Eks } };
    }

    public EksWebAssembly()
    {
        var settings = new[] { "dev", "prod" }.Select(Eks).ToList();
        var context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true };
        foreach (var (key, value) in settings.SelectMany(PlatformStacks.Context)) context[key] = value;
        var app = new Amazon.CDK.App(new AppProps { Outdir = Directory, Context = context });
        foreach (var s in settings) Environments[s.Name] = new SynthesizedEnvironment(s, new PlatformStacks(app, s, Fixtures.Environments.Paths));
        app.Synth();
        Compliance = ComplianceCheck.RunOnAssembly(Fixtures.Environments.Paths.RepositoryRoot, Directory);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The web tier as pods (<c>web.platform: eks</c>): the source document's frontend HPA (CPU 70 %, memory 80 %, 3–10 in
/// prod, its scale-up and scale-down behaviour), pods registered in the same ALB target group behind the same
/// CloudFront and origin header, no instances, and cdk-nag, the schemas and the Helm keys clean.
/// </summary>
public sealed class WebOnEksTests(EksWebAssembly eks) : IClassFixture<EksWebAssembly>
{
    private static JsonNode Object(SynthesizedEnvironment e, string kind, string name) =>
        e.KubernetesObjects.Single(o => o["kind"]!.GetValue<string>() == kind && o["metadata"]!["name"]!.GetValue<string>() == name);

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_api_hpa_is_the_source_documents(string env)
    {
        var e = eks.Environments[env];
        var hpa = Object(e, "HorizontalPodAutoscaler", "workflow-api")["spec"]!;
        Assert.Equal("autoscaling/v2", Object(e, "HorizontalPodAutoscaler", "workflow-api")["apiVersion"]!.GetValue<string>());
        Assert.Equal(("Deployment", "workflow-api"), (hpa["scaleTargetRef"]!["kind"]!.GetValue<string>(), hpa["scaleTargetRef"]!["name"]!.GetValue<string>()));
        Assert.Equal((e.Settings.Web.MinCapacity, e.Settings.Web.MaxCapacity), (hpa["minReplicas"]!.GetValue<int>(), hpa["maxReplicas"]!.GetValue<int>()));
        if (env == "prod") Assert.Equal((3, 10), (hpa["minReplicas"]!.GetValue<int>(), hpa["maxReplicas"]!.GetValue<int>()));
        var metrics = hpa["metrics"]!.AsArray().ToDictionary(m => m!["resource"]!["name"]!.GetValue<string>(), m => m!["resource"]!["target"]!);
        Assert.Equal(("Utilization", 70), (metrics["cpu"]["type"]!.GetValue<string>(), metrics["cpu"]["averageUtilization"]!.GetValue<int>()));
        Assert.Equal(("Utilization", 80), (metrics["memory"]["type"]!.GetValue<string>(), metrics["memory"]["averageUtilization"]!.GetValue<int>()));

        var down = hpa["behavior"]!["scaleDown"]!;
        Assert.Equal(300, down["stabilizationWindowSeconds"]!.GetValue<int>());
        Assert.Equal("""[{"periodSeconds":60,"type":"Percent","value":50}]""", down["policies"]!.ToJsonString());
        var up = hpa["behavior"]!["scaleUp"]!;
        Assert.Equal(0, up["stabilizationWindowSeconds"]!.GetValue<int>());
        Assert.Equal("Max", up["selectPolicy"]!.GetValue<string>());
        Assert.Equal("""[{"periodSeconds":30,"type":"Percent","value":100},{"periodSeconds":30,"type":"Pods","value":2}]""", up["policies"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_rehearsal_reads_the_api_pods_and_their_hpa_from_the_templates_and_rehearses_the_seed(string env)
    {
        var e = eks.Environments[env];
        var s = e.Settings;
        var templates = e.Templates.ToDictionary(t => t.Stack.Replace("workflows-", ""), t => t.Template["Resources"]!.AsObject());
        var policies = TemplatePolicyReader.FromTemplates(env, templates);

        Assert.Null(policies.Web);
        var api = policies.WebPods!;
        Assert.Equal("workflows/workflow-api", api.Pod.Deployment);
        Assert.Equal((s.Web.MinCapacity, s.Web.MaxCapacity), (api.Hpa.MinReplicas, api.Hpa.MaxReplicas));
        var targets = api.Hpa.Metrics.ToDictionary(m => m.Resource!.Name, m => m.Resource!.Target.AverageUtilization);
        Assert.Equal((70, 80), (targets["cpu"], targets["memory"]));
        Assert.Equal(300, api.Hpa.Behavior!.ScaleDown!.StabilizationWindowSeconds);
        Assert.Equal((long)NodeCapacity.Millicores(s.Web.PodLimits.Cpu)!.Value, api.Pod.CpuLimitMilli);
        Assert.InRange(api.Pod.CpuRequestMilli, (long)NodeCapacity.Millicores(s.Web.PodRequests.Cpu)!.Value, (long)NodeCapacity.Millicores(s.Web.PodRequests.Cpu)!.Value + 50);
        Assert.Equal(Math.Min(s.Service.ShutdownGraceSeconds, 30), api.DeregistrationDelaySeconds);
        Assert.Equal("workflows/workflow-worker", policies.Workers.Pod.Deployment); // the API's HPA is not taken for the workers'

        var root = Fixtures.Environments.Paths.RepositoryRoot;
        var result = new Rehearsal.Simulation.Rehearsal(policies, Workflows.LoadProfiles.ProfileLoader.Load("seed", Path.Combine(root, "loadtest", "profiles")),
            Calibration.Load(Path.Combine(root, "loadtest", "calibration.json")), new ModelParameters()).Run();
        Assert.Equal("web (EKS pods, HPA)", result.Tiers[0].Tier);
        Assert.True(result.Passed, string.Join(", ", result.Slo.Select(x => $"{x.Name} {x.Measured}")));
        Assert.Contains(result.Policies, l => l.StartsWith("web: workflows/workflow-api", StringComparison.Ordinal));
    }

    [Fact]
    public void The_api_pods_spread_over_zones_drain_longer_than_the_alb_and_probe_the_health_endpoints()
    {
        var e = eks.Environments["prod"];
        var pod = Object(e, "Deployment", "workflow-api")["spec"]!["template"]!["spec"]!;
        Assert.Null(Object(e, "Deployment", "workflow-api")["spec"]!["replicas"]); // the HPA owns the count
        var zone = pod["topologySpreadConstraints"]!.AsArray().Single(c => c!["topologyKey"]!.GetValue<string>() == "topology.kubernetes.io/zone")!;
        Assert.Equal("DoNotSchedule", zone["whenUnsatisfiable"]!.GetValue<string>());
        var api = pod["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "api")!;
        Assert.Equal("/api/health", api["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/api/health/ready", api["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("500m", api["resources"]!["requests"]!["cpu"]!.GetValue<string>());
        Assert.Equal("512Mi", api["resources"]!["requests"]!["memory"]!.GetValue<string>());

        var deregistration = int.Parse(P.Resources(e.Web, "AWS::ElasticLoadBalancingV2::TargetGroup").Single()["Properties"]!["TargetGroupAttributes"]!.AsArray()
            .Single(a => a!["Key"]!.GetValue<string>() == "deregistration_delay.timeout_seconds")!["Value"]!.GetValue<string>());
        var preStop = api["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!.GetValue<int>();
        Assert.True(preStop > deregistration, $"preStop {preStop} s must outlast the ALB's deregistration delay {deregistration} s");
        Assert.True(pod["terminationGracePeriodSeconds"]!.GetValue<int>() > preStop + e.Settings.Service.ShutdownGraceSeconds);
        Assert.Contains(api["env"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "Auth__ApiKeys__0__File");
        Assert.Equal(1, Object(e, "PodDisruptionBudget", "workflow-api")["spec"]!["maxUnavailable"]!.GetValue<int>());
    }

    [Fact]
    public void Pods_join_the_albs_target_group_and_no_instances_exist()
    {
        var e = eks.Environments["prod"];
        Assert.Empty(P.Resources(e.Web, "AWS::AutoScaling::AutoScalingGroup"));
        Assert.Empty(P.Resources(e.Web, "AWS::EC2::LaunchTemplate"));
        var group = P.Resources(e.Web, "AWS::ElasticLoadBalancingV2::TargetGroup").Single();
        Assert.Equal("ip", group["Properties"]!["TargetType"]!.GetValue<string>());
        var binding = Object(e, "TargetGroupBinding", "workflow-api")["spec"]!;
        Assert.Equal("ip", binding["targetType"]!.GetValue<string>());
        Assert.Equal(("workflow-api", 80), (binding["serviceRef"]!["name"]!.GetValue<string>(), binding["serviceRef"]!["port"]!.GetValue<int>()));
        // The edge is unchanged: the same origin rule forwards to this target group.
        Assert.Contains(P.Resources(e.Web, "AWS::ElasticLoadBalancingV2::ListenerRule"), r => r.ToJsonString().Contains("X-Origin-Verify"));
        var ingress = P.Resources(e.Workers, "AWS::EC2::SecurityGroupIngress").Where(r => r["Properties"]!["Description"]!.GetValue<string>() == "the ALB to the API pods").ToList();
        Assert.Equal(8080, Assert.Single(ingress)["Properties"]!["FromPort"]!.GetValue<int>());
    }

    [Fact]
    public void The_load_balancer_controller_may_register_targets_only_in_the_api_target_group()
    {
        var workers = eks.Environments["prod"].Workers;
        var statements = P.Resources(workers, "AWS::IAM::Policy").SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).ToList();
        var register = Assert.Single(statements, s => s!["Sid"]?.GetValue<string>() == "RegisterApiPods")!;
        Assert.Contains("Fn::ImportValue", register["Resource"]!.ToJsonString()); // the web stack's target group, by ARN
        Assert.DoesNotContain("*", register["Resource"]!.ToJsonString());
        Assert.DoesNotContain(statements, s => s!["Action"]!.ToJsonString().Contains("CreateLoadBalancer") || s["Action"]!.ToJsonString().Contains("AuthorizeSecurityGroupIngress"));
    }

    [Fact]
    public void Both_environments_pass_cdk_nag_the_schemas_and_the_helm_keys_and_list_the_hpa()
    {
        foreach (var e in eks.Environments.Values) Assert.Empty(e.Violations); // our own guardrails too
        var problems = eks.Compliance.Templates.SelectMany(t => t.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var objects = eks.Compliance.Templates.SelectMany(t => t.Kubernetes.Objects).Select(o => o.Object).ToList();
        Assert.Equal(2, objects.Count(o => o == "TargetGroupBinding/workflow-api"));
        Assert.Equal(2, objects.Count(o => o == "HorizontalPodAutoscaler/workflow-api"));
        Assert.Equal(2, eks.Compliance.Templates.SelectMany(t => t.Helm.Charts).Count(c => c.Chart == "aws-load-balancer-controller"));

        var rules = TemplateScaling.Rules(eks.Environments["prod"].Templates.Single(t => t.Stack.EndsWith("-workers")).Template["Resources"]!.AsObject()).ToList();
        Assert.Contains(rules, r => r.Name == "workflows/workflow-api (HPA)" && r.Metric == "pod cpu utilization" && r.Target == "70 %" && r.Kind == "HPA 3–10 pods");
        Assert.Contains(rules, r => r.Name == "workflows/workflow-api (HPA)" && r.Metric == "pod memory utilization" && r.Target == "80 %");
    }

    [Fact]
    public void The_node_group_must_hold_the_api_pods_too()
    {
        var s = EksWebAssembly.Eks("dev");
        var tooSmall = s with { Workers = s.Workers with { NodeMaxSize = 3 }, Web = s.Web with { MaxCapacity = 20 } };
        var errors = SettingsValidator.Validate(tooSmall, "dev");
        Assert.Contains(errors, e => e.Path == "workers.nodeMaxSize" && e.Message.Contains("web.maxCapacity (20) API pods"));
        Assert.DoesNotContain(SettingsValidator.Validate(s, "dev"), e => e.Path == "workers.nodeMaxSize");
    }
}
