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
