using System.Text.Json;
using Infra.Stacks.Compliance;
using Infra.Templates;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// The synthesized templates of dev and prod pass cdk-nag's AwsSolutions pack (every suppression with a reason in
/// code), every Kubernetes object matches its schema, every resource the CloudFormation specification.
/// </summary>
public sealed class ComplianceTests(SynthesizedAssembly assembly) : IClassFixture<SynthesizedAssembly>
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Cdk_nag_finds_no_unsuppressed_error(string env)
    {
        var templates = assembly.Of(env).ToList();
        Assert.True(templates.Count >= 6, $"{templates.Count} templates for {env}");
        var errors = templates.SelectMany(t => t.Nag.Findings.Where(f => f.Level == "error" && !f.Suppressed)
            .Select(f => $"{t.Stack}: {f.Rule}{(f.Finding is null ? "" : $"[{f.Finding}]")} on {f.Path ?? f.LogicalId}: {f.Description}")).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Every_suppression_carries_a_reason()
    {
        var templates = assembly.Compliance.Templates;
        Assert.Empty(templates.SelectMany(t => t.Nag.SuppressionErrors));
        var suppressed = templates.SelectMany(t => t.Nag.Findings).Where(f => f.Suppressed).ToList();
        Assert.NotEmpty(suppressed);
        Assert.All(suppressed, f => Assert.True(f.Reason?.Length >= 10, $"{f.Rule} on {f.Path}: '{f.Reason}'"));
    }

    [Fact]
    public void Every_kubernetes_object_matches_its_schema()
    {
        var objects = assembly.Compliance.Templates.SelectMany(t => t.Kubernetes.Objects).Select(o => o.Object).ToList();
        foreach (var kind in new[] { "Deployment/", "ScaledObject/", "ServiceAccount/", "Namespace/", "PodDisruptionBudget/" })
            Assert.Contains(objects, o => o.StartsWith(kind));
        var errors = assembly.Compliance.Templates.SelectMany(t => t.Kubernetes.Errors).Select(e => $"{e.Path} {e.Object}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Every_helm_value_is_a_key_of_the_pinned_chart()
    {
        var charts = assembly.Compliance.Templates.SelectMany(t => t.Helm.Charts).Select(c => $"{c.Chart} {c.Version}").Distinct().Order().ToList();
        Assert.Equal(["cluster-autoscaler 9.52.1", "keda 2.21.1", "metrics-server 3.12.2"], charts);
        var errors = assembly.Compliance.Templates.SelectMany(t => t.Helm.Errors).Select(e => $"{e.Path} {e.Chart}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Seeded_helm_mistakes_are_reported_a_misspelt_key_and_a_snapshot_of_another_version()
    {
        object Chart(string chart, string version, object values) => new
        {
            Type = "Custom::AWSCDK-EKS-HelmChart",
            Properties = new { ServiceToken = "arn", Chart = chart, Version = version, Values = JsonSerializer.Serialize(values) },
        };
        var template = new Dictionary<string, object>
        {
            ["Resources"] = new Dictionary<string, object>
            {
                // a typo one level down, a free-form map (annotations) and an open flag map (extraArgs) that take any key
                ["Keda"] = Chart("keda", "2.21.1", new { serviceAccount = new { operater = new { create = false } }, podAnnotations = new { keda = new { team = "platform" } } }),
                ["Autoscaler"] = Chart("cluster-autoscaler", "9.52.1", new { extraArgs = new { anyFlag = true }, autoDiscovery = new { clusterNam = "x" } }),
                ["Metrics"] = Chart("metrics-server", "3.13.0", new { replicas = 2 }),
                ["Nginx"] = Chart("ingress-nginx", "4.0.0", new { }),
            },
        };
        var file = Path.Combine(Path.GetTempPath(), $"helm-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(file, JsonSerializer.Serialize(template));
        try
        {
            var errors = ComplianceCheck.Run(Environments.Paths.RepositoryRoot, ["--template", file]).Templates.Single().Helm.Errors
                .Select(e => $"{e.LogicalId}: {e.Message}").ToList();
            Assert.Equal(4, errors.Count);
            Assert.Contains(errors, e => e.StartsWith("Keda: value 'serviceAccount.operater' is not a key of keda 2.21.1"));
            Assert.Contains(errors, e => e.StartsWith("Autoscaler: value 'autoDiscovery.clusterNam' is not a key of cluster-autoscaler 9.52.1"));
            Assert.Contains(errors, e => e.StartsWith("Metrics: the template pins metrics-server 3.13.0 but") && e.Contains("holds the keys of 3.12.2"));
            Assert.Contains(errors, e => e.StartsWith("Nginx: no key snapshot for chart 'ingress-nginx'"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_resource_matches_the_cloudformation_specification()
    {
        Assert.True(assembly.Compliance.Templates.Sum(t => t.CloudFormation.Checked) > 300);
        var errors = assembly.Compliance.Templates.SelectMany(t => t.CloudFormation.Errors).Select(e => $"{e.Path} ({e.Type}) {e.Property}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void A_suppression_without_a_reason_is_refused_where_it_is_written()
    {
        var stack = new Amazon.CDK.Stack(new Amazon.CDK.App(), "S");
        var topic = new Amazon.CDK.AWS.SNS.Topic(stack, "T");
        var error = Assert.Throws<ArgumentException>(() => NagSuppressions.Add(topic, new NagSuppression("AwsSolutions-SNS2", "because")));
        Assert.Contains("AwsSolutions-SNS2", error.Message);
        Assert.Contains("S/T", error.Message);
    }

    /// <summary>A template with one mistake of each kind the checks exist for.</summary>
    [Fact]
    public void Seeded_mistakes_are_each_reported_with_their_path()
    {
        var deployment = new
        {
            apiVersion = "apps/v1", kind = "Deployment", metadata = new { name = "web" },
            spec = new
            {
                replica = 3, // unknown field (a typo of replicas)
                selector = new { matchLabels = new { app = "web" } },
                template = new { metadata = new { labels = new { app = "web" } }, spec = new { containers = new[] { new { image = "x" } } } }, // container without its required name
            },
        };
        var scaledObject = new
        {
            apiVersion = "keda.sh/v1alpha1", kind = "ScaledObject", metadata = new { name = "workers" },
            spec = new { scaleTargetRef = new { name = "workers" }, minReplicaCount = "two", triggers = new[] { new { type = "cpu", metadata = new { value = "70" } } } }, // wrong type
        };
        var template = new Dictionary<string, object>
        {
            ["Resources"] = new Dictionary<string, object>
            {
                ["Manifest"] = new { Type = "Custom::AWSCDK-EKS-KubernetesResource", Properties = new { ServiceToken = "arn", Manifest = JsonSerializer.Serialize(new object[] { deployment, scaledObject }) } },
                ["Queue"] = new { Type = "AWS::SQS::Queue", Properties = new { VisibilityTimout = 30 } }, // unknown property
                ["Subscription"] = new { Type = "AWS::SNS::Subscription", Properties = new { Protocol = "email" } }, // TopicArn missing
                ["Bucket"] = new { Type = "AWS::S3::Bucket", Properties = new { VersioningConfiguration = new { Status = 5 } } }, // wrong type
                ["Unknown"] = new { Type = "AWS::Nothing::Here", Properties = new { } },
            },
        };
        var file = Path.Combine(Path.GetTempPath(), $"seeded-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(file, JsonSerializer.Serialize(template));
        try
        {
            var report = ComplianceCheck.Run(Environments.Paths.RepositoryRoot, ["--template", file]).Templates.Single();
            Assert.Contains("could not load the template", report.Nag.LoadError); // the SNS subscription without its TopicArn
            var k8s = report.Kubernetes.Errors.Select(e => $"{e.Object}: {e.Message}").ToList();
            Assert.Contains(k8s, e => e.StartsWith("Deployment/web: /spec/replica is not a field"));
            Assert.Contains(k8s, e => e.StartsWith("Deployment/web: /spec/template/spec/containers/0 ") && e.Contains("name"));
            Assert.Contains(k8s, e => e.StartsWith("ScaledObject/workers: /spec/minReplicaCount ") && e.Contains("integer"));
            var cfn = report.CloudFormation.Errors.Select(e => $"{e.LogicalId} {e.Property}: {e.Message}").ToList();
            Assert.Contains("Queue /VisibilityTimout: unknown property", cfn);
            Assert.Contains("Subscription /TopicArn: required property is missing", cfn);
            Assert.Contains(cfn, e => e.StartsWith("Bucket /VersioningConfiguration/Status: expected a string"));
            Assert.Contains(cfn, e => e.StartsWith("Unknown : AWS::Nothing::Here is not a resource type"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Cdk_nag_reads_suppressions_from_metadata_and_refuses_those_without_a_reason()
    {
        object Bucket(object? metadata) => metadata is null
            ? new { Type = "AWS::S3::Bucket", Properties = new { } }
            : new { Type = "AWS::S3::Bucket", Properties = new { }, Metadata = metadata };
        var template = new
        {
            Resources = new Dictionary<string, object>
            {
                ["Plain"] = Bucket(null),
                ["Suppressed"] = Bucket(new { cdk_nag = new { rules_to_suppress = new[] { new { id = "AwsSolutions-S1", reason = "the log bucket itself: logging it to itself would loop" } } } }),
                ["Lazy"] = Bucket(new { cdk_nag = new { rules_to_suppress = new[] { new { id = "AwsSolutions-S1", reason = "ok" } } } }),
            },
        };
        var file = Path.Combine(Path.GetTempPath(), $"nag-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(file, JsonSerializer.Serialize(template));
        try
        {
            var nag = ComplianceCheck.Run(Environments.Paths.RepositoryRoot, ["--template", file]).Templates.Single().Nag;
            var s1 = nag.Findings.Where(f => f.Rule == "AwsSolutions-S1").ToDictionary(f => f.LogicalId);
            Assert.False(s1["Plain"].Suppressed);
            Assert.Equal("error", s1["Plain"].Level);
            Assert.True(s1["Suppressed"].Suppressed);
            Assert.Equal("the log bucket itself: logging it to itself would loop", s1["Suppressed"].Reason);
            Assert.Equal("Lazy", Assert.Single(nag.SuppressionErrors).LogicalId);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
