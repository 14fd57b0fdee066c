using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Infra.Stacks.Guardrails;

/// <summary>One broken rule: which rule, which stack and resource, and why.</summary>
public sealed record Violation(string Rule, string Stack, string Resource, string Message)
{
    public override string ToString() => $"[{Rule}] {Stack}/{Resource}: {Message}";
}

/// <summary>A synthesized template with its stack name.</summary>
public sealed record SynthesizedTemplate(string Stack, JsonObject Template)
{
    public IEnumerable<(string Id, string Type, JsonNode Properties)> Resources =>
        (Template["Resources"] as JsonObject ?? []).Select(r =>
            (r.Key, r.Value!["Type"]!.GetValue<string>(), r.Value["Properties"] ?? new JsonObject()));
}

/// <summary>
/// The platform team's rules, checked on the synthesized CloudFormation of one environment (cdk-nag is not available
/// for .NET here, so these are our own). The main command refuses to finish when one is broken; the tests prove each
/// rule both passes on the real stacks and fails on a deliberately broken one.
/// </summary>
public static partial class GuardrailRules
{
    public const string EncryptionAtRest = "encryption-at-rest";
    public const string EncryptionInTransit = "encryption-in-transit";
    public const string NoPublicDataStores = "no-public-data-stores";
    public const string Imdsv2 = "imdsv2-required";
    public const string NoWildcardActions = "no-wildcard-iam-actions";
    public const string NoPlaintextSecrets = "no-plaintext-secrets";
    public const string ProductionProtection = "production-protection";
    public const string HttpsToOrigin = "https-to-origin";

    private static readonly string[] DataStoreTypes = ["AWS::ElastiCache::ReplicationGroup", "AWS::DocDB::DBCluster"];

    public static IReadOnlyList<Violation> Check(IReadOnlyList<SynthesizedTemplate> templates, bool production)
    {
        var v = new List<Violation>();
        var all = templates.SelectMany(t => t.Resources.Select(r => (t.Stack, r.Id, r.Type, r.Properties))).ToList();
        void Fail(string rule, string stack, string id, string message) => v.Add(new Violation(rule, stack, id, message));
        bool IsTrue(JsonNode? n) => n is JsonValue val && (val.TryGetValue<bool>(out var b) ? b : val.TryGetValue<string>(out var s) && s == "true");

        foreach (var (stack, id, type, p) in all)
        {
            switch (type)
            {
                case "AWS::ElastiCache::ReplicationGroup":
                    if (!IsTrue(p["AtRestEncryptionEnabled"])) Fail(EncryptionAtRest, stack, id, "Redis without encryption at rest");
                    if (!IsTrue(p["TransitEncryptionEnabled"])) Fail(EncryptionInTransit, stack, id, "Redis without TLS");
                    if (p["AuthToken"] is { } token && !IsDynamicSecret(token)) Fail(NoPlaintextSecrets, stack, id, "Redis AuthToken is not a Secrets Manager reference");
                    var isCache = p["Tags"]?.AsArray().Any(t => t?["Key"]?.GetValue<string>() == "workflows:purpose" && t["Value"]?.GetValue<string>() == "cache") == true;
                    if (production && !isCache && !(p["SnapshotRetentionLimit"]?.GetValue<double>() >= 1)) Fail(ProductionProtection, stack, id, "production Redis keeps no snapshots");
                    if (production && !IsTrue(p["AutomaticFailoverEnabled"])) Fail(ProductionProtection, stack, id, "production Redis has no automatic failover");
                    break;
                case "AWS::DocDB::DBCluster":
                    if (!IsTrue(p["StorageEncrypted"])) Fail(EncryptionAtRest, stack, id, "DocumentDB storage not encrypted");
                    foreach (var key in new[] { "MasterUsername", "MasterUserPassword" })
                        if (p[key] is { } secret && !IsDynamicSecret(secret)) Fail(NoPlaintextSecrets, stack, id, $"{key} is not a Secrets Manager reference");
                    if (production && !IsTrue(p["DeletionProtection"])) Fail(ProductionProtection, stack, id, "production DocumentDB without deletion protection");
                    if (production && !(p["BackupRetentionPeriod"]?.GetValue<double>() >= 7)) Fail(ProductionProtection, stack, id, "production DocumentDB keeps backups under 7 days");
                    break;
                case "AWS::DocDB::DBClusterParameterGroup":
                    if (p["Parameters"]?["tls"]?.GetValue<string>() != "enabled") Fail(EncryptionInTransit, stack, id, "DocumentDB parameter group does not require TLS");
                    break;
                case "AWS::S3::Bucket":
                    if (p["BucketEncryption"] is null) Fail(EncryptionAtRest, stack, id, "bucket without default encryption");
                    if (p["PublicAccessBlockConfiguration"]?["BlockPublicPolicy"]?.GetValue<bool>() != true) Fail(NoPublicDataStores, stack, id, "bucket does not block public access");
                    break;
                case "AWS::SNS::Topic":
                    if (p["KmsMasterKeyId"] is null) Fail(EncryptionAtRest, stack, id, "SNS topic not encrypted");
                    break;
                case "AWS::EC2::LaunchTemplate":
                    var data = p["LaunchTemplateData"];
                    if (data?["MetadataOptions"]?["HttpTokens"]?.GetValue<string>() != "required") Fail(Imdsv2, stack, id, "IMDSv1 allowed (HttpTokens is not 'required')");
                    foreach (var device in data?["BlockDeviceMappings"]?.AsArray() ?? [])
                        if (device?["Ebs"] is { } ebs && !IsTrue(ebs["Encrypted"])) Fail(EncryptionAtRest, stack, id, $"EBS volume {device["DeviceName"]} not encrypted");
                    if (data?["UserData"] is { } userData && SecretLike().IsMatch(userData.ToJsonString()))
                        Fail(NoPlaintextSecrets, stack, id, "user data holds what looks like a literal secret");
                    break;
                case "AWS::ElasticLoadBalancingV2::Listener":
                    if (p["Protocol"]?.GetValue<string>() == "HTTPS" && p["SslPolicy"] is null) Fail(EncryptionInTransit, stack, id, "HTTPS listener without an explicit TLS policy");
                    break;
                case "AWS::CloudFront::Distribution":
                    foreach (var origin in p["DistributionConfig"]?["Origins"]?.AsArray() ?? [])
                    {
                        var policy = origin?["CustomOriginConfig"]?["OriginProtocolPolicy"]?.GetValue<string>();
                        if (production && policy is not null && policy != "https-only")
                            Fail(HttpsToOrigin, stack, id, $"production origin {origin!["Id"]} uses {policy}");
                    }
                    break;
                case "Custom::AWSCDK-EKS-Cluster":
                    var config = p["Config"];
                    if (config?["encryptionConfig"] is not JsonArray { Count: > 0 }) Fail(EncryptionAtRest, stack, id, "EKS secrets are not encrypted with a KMS key");
                    var logging = config?["logging"]?["clusterLogging"]?.AsArray().SelectMany(l => l?["types"]?.AsArray() ?? []).Select(t => t!.GetValue<string>()).ToHashSet() ?? [];
                    if (logging.Count < 5) Fail(ProductionProtection, stack, id, $"EKS control-plane logging covers {logging.Count} of 5 log types");
                    if (production && IsTrue(config?["resourcesVpcConfig"]?["endpointPublicAccess"])) Fail(ProductionProtection, stack, id, "production EKS API endpoint is public");
                    break;
                case "Custom::AWSCDK-EKS-KubernetesResource":
                    if (SecretLike().IsMatch(p["Manifest"]?.ToJsonString() ?? "")) Fail(NoPlaintextSecrets, stack, id, "a Kubernetes manifest holds what looks like a literal secret");
                    break;
                case "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy":
                    CheckStatements(p["PolicyDocument"], stack, id, Fail);
                    break;
                case "AWS::IAM::Role":
                    foreach (var policy in p["Policies"]?.AsArray() ?? []) CheckStatements(policy?["PolicyDocument"], stack, id, Fail);
                    break;
            }
            if (type == "AWS::SecretsManager::Secret" && p["SecretString"] is not null)
                Fail(NoPlaintextSecrets, stack, id, "secret value written in the template (use GenerateSecretString)");
        }

        CheckDataStoreNetworks(templates, all, Fail);
        return v;
    }

    private static void CheckStatements(JsonNode? document, string stack, string id, Action<string, string, string, string> fail)
    {
        foreach (var statement in document?["Statement"]?.AsArray() ?? [])
        {
            if (statement?["Effect"]?.GetValue<string>() == "Deny") continue;
            var actions = statement?["Action"] switch
            {
                JsonArray a => a.Select(x => x!.GetValue<string>()),
                JsonValue s => [s.GetValue<string>()],
                _ => [],
            };
            foreach (var action in actions.Where(a => a.Contains('*')))
                fail(NoWildcardActions, stack, id, $"wildcard action '{action}'");
        }
    }

    /// <summary>Data stores sit only in isolated subnets and admit no address range, only security groups.</summary>
    private static void CheckDataStoreNetworks(IReadOnlyList<SynthesizedTemplate> templates,
        List<(string Stack, string Id, string Type, JsonNode Properties)> all, Action<string, string, string, string> fail)
    {
        var isolated = all.Where(r => r.Type == "AWS::EC2::Subnet" && SubnetType(r.Properties) == "Isolated").Select(r => r.Id).ToHashSet();
        foreach (var (stack, id, type, p) in all)
        {
            if (type is "AWS::ElastiCache::SubnetGroup" or "AWS::DocDB::DBSubnetGroup")
            {
                foreach (var subnet in p["SubnetIds"]?.AsArray() ?? [])
                {
                    var reference = subnet?["Ref"]?.GetValue<string>() ?? ImportedSubnet(subnet);
                    if (reference is null || !isolated.Contains(reference))
                        fail(NoPublicDataStores, stack, id, $"data store subnet {subnet?.ToJsonString()} is not an isolated subnet");
                }
            }
        }

        // Security groups that data stores use, by logical id and stack.
        var storeGroups = new HashSet<string>();
        foreach (var (_, _, type, p) in all.Where(r => DataStoreTypes.Contains(r.Type)))
            foreach (var sg in (p["SecurityGroupIds"] ?? p["VpcSecurityGroupIds"])?.AsArray() ?? [])
                if (ReferencedId(sg) is { } sgId) storeGroups.Add(sgId);

        foreach (var (stack, id, type, p) in all)
        {
            if (type == "AWS::EC2::SecurityGroup" && storeGroups.Contains(id))
                foreach (var rule in p["SecurityGroupIngress"]?.AsArray() ?? [])
                    if (rule?["CidrIp"] is not null || rule?["CidrIpv6"] is not null)
                        fail(NoPublicDataStores, stack, id, $"data store admits an address range {rule!["CidrIp"] ?? rule["CidrIpv6"]}");
            if (type == "AWS::EC2::SecurityGroupIngress" && ReferencedId(p["GroupId"]) is { } target && storeGroups.Contains(target)
                && (p["CidrIp"] is not null || p["CidrIpv6"] is not null))
                fail(NoPublicDataStores, stack, id, $"data store admits an address range {p["CidrIp"] ?? p["CidrIpv6"]}");
        }
    }

    private static string? SubnetType(JsonNode p) =>
        p["Tags"]?.AsArray().FirstOrDefault(t => t?["Key"]?.GetValue<string>() == "aws-cdk:subnet-type")?["Value"]?.GetValue<string>();

    /// <summary>Cross-stack references arrive as Fn::ImportValue of an export named after the producing logical id.</summary>
    private static string? ImportedSubnet(JsonNode? node) =>
        node?["Fn::ImportValue"]?.GetValue<string>() is { } export ? ExportedId().Match(export) is { Success: true } m ? m.Groups[1].Value : null : null;

    private static string? ReferencedId(JsonNode? node) =>
        node?["Ref"]?.GetValue<string>()
        ?? (node?["Fn::GetAtt"] as JsonArray)?[0]?.GetValue<string>()
        ?? (node?["Fn::ImportValue"]?.GetValue<string>() is { } export
            ? ExportedId().Match(export) is { Success: true } r ? r.Groups[1].Value
              : ExportedAttribute().Match(export) is { Success: true } a ? a.Groups[1].Value : null
            : null);

    // "<stack>:ExportsOutputFnGetAtt<logical id ending in 8 hex><Attribute><8 hex>"
    [GeneratedRegex(@"ExportsOutputFnGetAtt([A-Za-z0-9]+?[0-9A-F]{8})[A-Za-z]+[0-9A-F]{8}$")]
    private static partial Regex ExportedAttribute();

    private static bool IsDynamicSecret(JsonNode node) => node.ToJsonString().Contains("{{resolve:secretsmanager:", StringComparison.Ordinal);

    // "<stack>:ExportsOutputRef<logical id><8 hex>": the logical id is what is left between the prefix and the hash.
    [GeneratedRegex(@"ExportsOutputRef([A-Za-z0-9]+)[0-9A-F]{8}$")]
    private static partial Regex ExportedId();

    [GeneratedRegex(@"(password|passwd|secret|token)\s*[=:]\s*[""']?[A-Za-z0-9+/!#$^&<>-]{12,}", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLike();
}
