using Infra.Stacks.Settings;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>Every kind of bad settings input names the file, the key path and the reason.</summary>
public class SettingsTests
{
    private static readonly string Dev = File.ReadAllText(Environments.SettingsFile("dev"));
    private static readonly string Prod = File.ReadAllText(Environments.SettingsFile("prod"));

    private static SettingsException Refused(string yaml, string file = "stacks/dev.yaml") =>
        Assert.Throws<SettingsException>(() => SettingsLoader.Parse(yaml, file));

    private static void AssertError(SettingsException e, string path, string fragment)
    {
        var error = e.Errors.FirstOrDefault(x => x.Path == path);
        Assert.True(error is not null, $"expected an error at '{path}', got:\n{e.Message}");
        Assert.Contains(fragment, error.Message);
        Assert.Contains($"{e.File}: {path}: ", e.Message);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_repositorys_files_are_valid(string name)
    {
        var settings = Environments.Settings(name);
        Assert.Equal(name, settings.Name);
    }

    [Fact]
    public void Unknown_keys_are_named_with_the_known_ones() =>
        AssertError(Refused(Dev.Replace("  cpuTargetPercent: 70", "  cpuTargetPercent: 70\n  cpuTarget: 70")), "web.cpuTarget", "unknown key; known keys here: accessLogRetentionDays, accessLogs");

    [Fact]
    public void Wrong_types_are_named()
    {
        var e = Refused(Dev.Replace("minCapacity: 1", "minCapacity: one").Replace("production: false", "production: maybe"));
        AssertError(e, "web.minCapacity", "'one' is not a whole number");
        AssertError(e, "production", "'maybe' is not true or false");
        AssertError(Refused(Dev.Replace("availabilityZones: [eu-west-1a, eu-west-1b]", "availabilityZones: eu-west-1a")), "aws.availabilityZones", "must be a list");
        AssertError(Refused(Dev.Replace("originProtocol: http-only", "originProtocol: ftp")), "edge.originProtocol", "one of https-only, http-only");
    }

    [Fact]
    public void Missing_required_keys_are_named() =>
        AssertError(Refused(Dev.Replace("  cpuTargetPercent: 70\n", "")), "web.cpuTargetPercent", "is required");

    [Theory]
    [InlineData("cpuTargetPercent: 70", "cpuTargetPercent: 150", "web.cpuTargetPercent", "150 is outside 1–100")]
    [InlineData("cpuTargetPercent: 70", "cpuTargetPercent: 0", "web.cpuTargetPercent", "0 is outside 1–100")]
    [InlineData("minCapacity: 1", "minCapacity: 5", "web.minCapacity", "must not exceed web.maxCapacity (5 > 3)")]
    [InlineData("desiredCapacity: 1", "desiredCapacity: 9", "web.desiredCapacity", "between web.minCapacity (1) and web.maxCapacity (3)")]
    [InlineData("region: eu-west-1", "region: mars-1", "aws.region", "not an AWS region")]
    [InlineData("cidr: 10.10.0.0/16", "cidr: 10.10.0.0/24", "network.cidr", "/16")]
    [InlineData("natGateways: 1", "natGateways: 4", "network.natGateways", "outside 1–2")]
    [InlineData("replicas: 0", "replicas: 9", "cache.replicas", "outside 0–5")]
    [InlineData("name: dev", "name: staging", "name", "must match the file name 'dev'")]
    [InlineData("flowLogRetentionDays: 7", "flowLogRetentionDays: 8", "network.flowLogRetentionDays", "not a CloudWatch Logs retention")]
    [InlineData("rotationDays: 30 ", "rotationDays: 0 ", "secrets.rotationDays", "0 is outside 1–365")]
    [InlineData("refreshSeconds: 120 ", "refreshSeconds: 5 ", "secrets.refreshSeconds", "5 is outside 30–3600")]
    public void Out_of_range_values_are_named(string original, string replacement, string path, string fragment) =>
        AssertError(Refused(Dev.Replace(original, replacement)), path, fragment);

    [Fact]
    public void Production_rules_are_enforced()
    {
        var e = Refused(Prod.Replace("deletionProtection: true", "deletionProtection: false").Replace("originProtocol: https-only", "originProtocol: http-only")
            .Replace("backupRetentionDays: 7", "backupRetentionDays: 3"), "stacks/prod.yaml");
        AssertError(e, "database.deletionProtection", "must be true in production");
        AssertError(e, "edge.originProtocol", "must be https-only in production");
        AssertError(e, "database.backupRetentionDays", "at least 7");
    }

    [Fact]
    public void The_node_group_must_hold_the_worker_maximum()
    {
        var e = Refused(Prod.Replace("nodeMaxSize: 6 ", "nodeMaxSize: 3 "), "stacks/prod.yaml");
        AssertError(e, "workers.nodeMaxSize", "3 nodes cannot hold workers.maxReplicas (20): a m6i.xlarge fits 7 worker pod(s) of 500m/1Gi, so at least 4 are needed");
        AssertError(Refused(Dev.Replace("nodeInstanceType: t3.large", "nodeInstanceType: m6g.large")), "workers.nodeInstanceType", "not one of the sized x86_64 types");
    }

    [Theory]
    [InlineData("clusterAutoscalerImageTag: v1.33.1", "clusterAutoscalerImageTag: v1.30.0", "workers.charts.clusterAutoscalerImageTag", "must match the Kubernetes minor")]
    [InlineData("keda: 2.21.1", "keda: ^2.21", "workers.charts.keda", "exact chart version")]
    [InlineData("minReplicas: 1", "minReplicas: 5", "workers.minReplicas", "must not exceed workers.maxReplicas (5 > 3)")]
    [InlineData("kubernetesVersion: \"1.33\"", "kubernetesVersion: \"2.0\"", "workers.kubernetesVersion", "must be an EKS version")]
    public void Worker_settings_are_validated(string original, string replacement, string path, string fragment) =>
        AssertError(Refused(Dev.Replace(original, replacement)), path, fragment);

    [Fact]
    public void The_viewer_certificate_lives_in_us_east_1_and_names_its_domains()
    {
        var e = Refused(Prod.Replace("certificateArn: arn:aws:acm:us-east-1:", "certificateArn: arn:aws:acm:eu-west-1:").Replace("domainNames: [workflows.example.com]", "domainNames: []"), "stacks/prod.yaml");
        AssertError(e, "edge.certificateArn", "must be an ACM certificate in us-east-1");
        AssertError(e, "edge.domainNames", "must name the viewer domains");
        AssertError(Refused(Dev.Replace("  accessLogRetentionDays: 14\n  ", "  accessLogRetentionDays: 14\n  domainNames: [a.example.org]\n  ")), "edge.domainNames", "needs edge.certificateArn");
        var noCertificate = string.Join("\n", Prod.Split('\n').Where(l => !l.Contains("certificateArn: arn:aws:acm:us-east-1") && !l.Contains("domainNames:")));
        AssertError(Refused(noCertificate, "stacks/prod.yaml"), "edge.certificateArn", "is required in production");
    }

    [Fact]
    public void Production_keeps_the_cluster_endpoint_private() =>
        AssertError(Refused(Prod.Replace("endpointAccess: private", "endpointAccess: public-and-private"), "stacks/prod.yaml"), "workers.endpointAccess", "must be private in production");

    [Fact]
    public void Https_to_the_origin_needs_a_certificate_and_a_name()
    {
        var e = Refused(Dev.Replace("originProtocol: http-only", "originProtocol: https-only"));
        AssertError(e, "edge.originProtocol", "needs web.certificateArn");
        AssertError(e, "edge.originDomainName", "is required with https-only");
    }

    [Fact]
    public void Broken_yaml_and_missing_files_are_reported_as_such()
    {
        AssertError(Refused("name: dev\nweb: [unclosed"), "(file)", "not valid YAML at line");
        var missing = Assert.Throws<SettingsException>(() => SettingsLoader.Load("/nowhere/qa.yaml"));
        Assert.Contains("/nowhere/qa.yaml: (file): does not exist", missing.Message);
        var unknownEnv = Assert.Throws<SettingsException>(() => SettingsLoader.LoadAll(Path.GetDirectoryName(Environments.SettingsFile("dev"))!, "qa"));
        Assert.Contains("found: dev, prod", unknownEnv.Message);
    }

    [Fact]
    public void All_errors_of_a_file_are_reported_together()
    {
        var e = Refused(Dev.Replace("cpuTargetPercent: 70", "cpuTargetPercent: 150").Replace("minCapacity: 1", "minCapacity: 0"));
        Assert.True(e.Errors.Count >= 2, e.Message);
    }
}
