using System.Diagnostics;
using System.Text.Json.Nodes;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// Every secret rotates: a schedule per secret (DocumentDB by Secrets Manager's hosted single-user rotation, the
/// Redis AUTH tokens, API key and origin header by our rotation function), functions whose permissions name the one
/// resource each changes, and hosts that re-read the secrets while they run. The function's protocol runs here
/// against stateful fakes (Rotation/rotation.test.mjs); the host refresher runs here against a fake aws CLI.
/// </summary>
public sealed class RotationTests
{
    private static IEnumerable<(string Stack, string Id, JsonObject Resource)> All(string env, string type) =>
        Environments.Get(env).Templates.SelectMany(t => t.Template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (t.Stack, r.Key, r.Value!.AsObject())));

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Every_secret_has_a_schedule_at_the_settings_interval_and_no_deploy_rotates(string env)
    {
        var days = Environments.Get(env).Settings.Secrets.RotationDays;
        var schedules = All(env, "AWS::SecretsManager::RotationSchedule").ToList();
        var secrets = All(env, "AWS::SecretsManager::Secret").ToList();
        Assert.Equal(5, secrets.Count); // DocumentDB, two Redis AUTH tokens, API key, origin header
        foreach (var (stack, id, _) in secrets)
        {
            // Same stack: SecretId is a Ref (or the DocumentDB attachment's Ref); another stack: an import of its export.
            var schedule = schedules.Where(s =>
            {
                var secretId = s.Resource["Properties"]!["SecretId"]!.ToJsonString();
                return s.Stack == stack ? secretId.Contains($"\"{id}\"") || (secretId.Contains("SecretAttachment") && id.Contains("Secret"))
                    : secretId.Contains("Fn::ImportValue") && secretId.Contains(stack) && secretId.Contains(id[..^8]);
            }).ToList();
            var (scheduleStack, _, resource) = Assert.Single(schedule);
            Assert.Equal($"rate({days} days)", resource["Properties"]!["RotationRules"]!["ScheduleExpression"]!.GetValue<string>());
            Assert.False(resource["Properties"]!["RotateImmediatelyOnUpdate"]!.GetValue<bool>(), $"{scheduleStack}: a deploy must not rotate {id}");
        }
    }

    [Fact]
    public void DocumentDb_uses_the_hosted_single_user_rotation_in_the_app_subnets_admitted_to_the_cluster()
    {
        var data = Environments.Get("prod").Data;
        var hosted = Assert.Single(P.Resources(data, "AWS::SecretsManager::RotationSchedule"), r => r["Properties"]!["HostedRotationLambda"] is not null);
        var lambda = hosted["Properties"]!["HostedRotationLambda"]!;
        Assert.Equal("MongoDBSingleUser", lambda["RotationType"]!.GetValue<string>());
        Assert.Contains("appSubnet", lambda["VpcSubnetIds"]!.ToJsonString()); // reaches the cluster and, via NAT, Secrets Manager
        var group = lambda["VpcSecurityGroupIds"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var ingress = P.Resources(data, "AWS::EC2::SecurityGroupIngress").Concat(P.Resources(data, "AWS::EC2::SecurityGroup")
            .SelectMany(g => g["Properties"]!["SecurityGroupIngress"]?.AsArray().Select(i => i!.AsObject()) ?? [])).ToList();
        // The cluster's port (27117) by its attribute: the rule follows the port if it ever changes.
        Assert.Contains(ingress, i => i.ToJsonString().Contains(group) && i["Properties"]!["FromPort"]!.ToJsonString() is var port
            && (port == "27117" || (port.Contains("DatabaseCluster") && port.Contains("\"Port\""))));
    }

    private static JsonObject Function(Amazon.CDK.Assertions.Template template, string kind) =>
        Assert.Single(P.Resources(template, "AWS::Lambda::Function"), f => f["Properties"]!["Environment"]?["Variables"]?["ROTATION_KIND"]?.GetValue<string>() == kind);

    private static List<JsonNode> Statements(Amazon.CDK.Assertions.Template template, JsonObject function)
    {
        var role = function["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        return P.Resources(template, "AWS::IAM::Policy").Where(p => p["Properties"]!["Roles"]!.ToJsonString().Contains(role))
            .SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!).ToList();
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_rotation_functions_run_on_the_current_node_runtime_with_roles_scoped_to_what_they_change(string env)
    {
        var e = Environments.Get(env);
        foreach (var (template, kind) in new[] { (e.Data, "elasticache-auth-token"), (e.Web, "random-value"), (e.Edge, "origin-header") })
        {
            var functions = P.Resources(template, "AWS::Lambda::Function").Where(f => f["Properties"]!["Environment"]?["Variables"]?["ROTATION_KIND"]?.GetValue<string>() == kind).ToList();
            Assert.NotEmpty(functions);
            foreach (var function in functions)
            {
                Assert.Equal("nodejs24.x", function["Properties"]!["Runtime"]!.GetValue<string>());
                var roleId = function["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();
                var role = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(template.FindResources("AWS::IAM::Role")[roleId]))!;
                Assert.Null(role["Properties"]!["ManagedPolicyArns"]); // no AWSLambdaBasicExecutionRole: logs go to its own group only
                var wildcard = Statements(template, function).Where(s => s["Resource"]!.ToJsonString() == "\"*\"").SelectMany(s => Actions(s)).Order().ToList();
                Assert.All(wildcard, a => Assert.Contains(a, new[] { "secretsmanager:GetRandomPassword", "elasticloadbalancing:DescribeRules" }));
            }
        }
    }

    private static IEnumerable<string> Actions(JsonNode statement) => statement["Action"] switch
    {
        JsonArray a => a.Select(x => x!.GetValue<string>()),
        JsonNode one => [one.GetValue<string>()],
        null => [],
    };

    [Fact]
    public void The_redis_token_function_may_change_only_its_own_replication_group()
    {
        var data = Environments.Get("prod").Data;
        foreach (var function in P.Resources(data, "AWS::Lambda::Function").Where(f => f["Properties"]!["Environment"]?["Variables"]?["ROTATION_KIND"]?.GetValue<string>() == "elasticache-auth-token"))
        {
            var group = function["Properties"]!["Environment"]!["Variables"]!["REPLICATION_GROUP_ID"]!["Ref"]!.GetValue<string>();
            var statement = Assert.Single(Statements(data, function), s => Actions(s).Any(a => a.StartsWith("elasticache:")));
            Assert.Equal(["elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup"], Actions(statement).Order());
            Assert.Contains("replicationgroup:", statement["Resource"]!.ToJsonString());
            Assert.Contains($"\"Ref\":\"{group}\"", statement["Resource"]!.ToJsonString());
            Assert.Equal(900, function["Properties"]!["Timeout"]!.GetValue<int>()); // waits out two token changes
        }
    }

    [Fact]
    public void The_origin_header_function_rewrites_only_the_origin_rule_and_its_distribution()
    {
        var edge = Environments.Get("prod").Edge;
        var function = Function(edge, "origin-header");
        var variables = function["Properties"]!["Environment"]!["Variables"]!;
        Assert.Contains("FromCloudFrontRule", variables["RULE_ARNS"]!.ToJsonString());
        Assert.Equal("X-Origin-Verify", variables["HEADER_NAME"]!.GetValue<string>());
        var statements = Statements(edge, function);
        var modify = Assert.Single(statements, s => Actions(s).Contains("elasticloadbalancing:ModifyRule"));
        Assert.Equal(variables["RULE_ARNS"]!.ToJsonString(), modify["Resource"]!.ToJsonString());
        var cloudFront = Assert.Single(statements, s => Actions(s).Contains("cloudfront:UpdateDistribution"));
        Assert.Contains(":distribution/", cloudFront["Resource"]!.ToJsonString());
        Assert.Contains(variables["DISTRIBUTION_ID"]!.ToJsonString(), cloudFront["Resource"]!.ToJsonString());
    }

    [Fact]
    public async Task The_rotation_protocol_passes_its_node_tests()
    {
        var root = Environments.Paths.RepositoryRoot;
        var start = new ProcessStartInfo("node", ["--test", Path.Combine(root, "tests", "Infra.Tests", "Rotation")])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var ct = TestContext.Current.CancellationToken;
        var output = node.StandardOutput.ReadToEndAsync(ct);
        var errors = node.StandardError.ReadToEndAsync(ct);
        await node.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        var text = await output + await errors;
        Assert.True(node.ExitCode == 0, text);
        Assert.Contains("# fail 0", text);
        Assert.Matches(@"# pass ([8-9]|\d\d)", text); // every test ran
    }

    [Fact]
    public void Worker_pods_read_their_secrets_before_start_and_again_every_refresh_interval()
    {
        var e = Environments.Get("prod");
        var pod = e.KubernetesObject("Deployment")["spec"]!["template"]!["spec"]!;
        var init = Assert.Single(pod["initContainers"]!.AsArray())!;
        var sidecar = Assert.Single(pod["containers"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "refresh-secrets")!;
        foreach (var container in new[] { init, sidecar })
        {
            var script = container["args"]![0]!.GetValue<string>();
            Assert.Contains("mv \"$2.tmp\" \"$2\"", script); // whole files: the worker never reads half a secret
            Assert.Contains(container["env"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "REFRESH_SECONDS" && v["value"]!.GetValue<string>() == e.Settings.Secrets.RefreshSeconds.ToString());
        }
        Assert.Contains("while :; do sleep \"$REFRESH_SECONDS\"", sidecar["args"]![0]!.GetValue<string>());
        Assert.Contains("trap 'exit 0' TERM", sidecar["args"]![0]!.GetValue<string>()); // stops at once with the pod
    }

    /// <summary>The web instances' refresher (boot.sh's workflows-secrets, run by a systemd timer), run here with a fake
    /// aws CLI: whole files for the container's user, the API key file with the previous key after a rotation, and
    /// nothing replaced when any read fails.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_instance_refresher_writes_whole_files_with_the_previous_api_key_and_keeps_the_last_good_ones_on_failure()
    {
        Assert.SkipUnless(Environment.UserName == "root", "the refresher gives the files to the container's user (uid 1654), which needs root: test.sh and CI run as root");
        var root = Environments.Paths.RepositoryRoot;
        var boot = await File.ReadAllTextAsync(Path.Combine(root, "infra", "Infra.Stacks", "WebTier", "boot.sh"), TestContext.Current.CancellationToken);
        const string open = "cat > /usr/local/bin/workflows-secrets <<'SCRIPT'\n";
        var start = boot.IndexOf(open, StringComparison.Ordinal) + open.Length;
        var script = boot[start..boot.IndexOf("\nSCRIPT\n", start, StringComparison.Ordinal)];

        var work = Directory.CreateTempSubdirectory("refresher-").FullName;
        try
        {
            string Dir(string name) => Directory.CreateDirectory(Path.Combine(work, name)).FullName;
            var (store, secrets, bin) = (Dir("store"), Dir("secrets"), Dir("bin"));
            var env = Path.Combine(work, "secrets.env");
            await File.WriteAllTextAsync(env, $"REGION='eu-west-1'\nSECRETS='{secrets}'\nREDIS_SECRET='redis'\nCACHE_SECRET='cache'\nDB_SECRET='db'\nAPI_KEY_SECRET='api'\n", TestContext.Current.CancellationToken);
            var refresher = Path.Combine(work, "workflows-secrets");
            await File.WriteAllTextAsync(refresher, script.Replace("/etc/workflows/secrets.env", env), TestContext.Current.CancellationToken);
            // aws secretsmanager get-secret-value … --secret-id ID [--version-stage STAGE]: reads STORE/ID.STAGE, as the CLI fails when absent.
            await File.WriteAllTextAsync(Path.Combine(bin, "aws"), """
                #!/bin/bash
                id=''; stage=AWSCURRENT
                while [ $# -gt 0 ]; do case "$1" in --secret-id) id=$2; shift ;; --version-stage) stage=$2; shift ;; esac; shift; done
                [ -f "$STORE/fail-$id" ] && { echo 'An error occurred (ThrottlingException) when calling the GetSecretValue operation' >&2; exit 254; }
                [ -f "$STORE/$id.$stage" ] || { echo 'An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation' >&2; exit 254; }
                cat "$STORE/$id.$stage"
                """, TestContext.Current.CancellationToken);
            File.SetUnixFileMode(Path.Combine(bin, "aws"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            void Put(string id, string value, string stage = "AWSCURRENT") => File.WriteAllText(Path.Combine(store, $"{id}.{stage}"), value);
            async Task<int> Refresh()
            {
                var run = new ProcessStartInfo("bash", [refresher]) { RedirectStandardError = true };
                run.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
                run.Environment["STORE"] = store;
                using var process = Process.Start(run)!;
                await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                await process.WaitForExitAsync(TestContext.Current.CancellationToken);
                return process.ExitCode;
            }
            string Read(string name) => File.ReadAllText(Path.Combine(secrets, name));

            Put("redis", "r1"); Put("cache", "c1"); Put("db", """{"username":"workflows","password":"p1"}"""); Put("api", "k1");
            Assert.Equal(0, await Refresh());
            Assert.Equal("r1\n", Read("redis-password"));
            Assert.Equal("k1\n", Read("api-keys")); // no rotation yet: no previous key
            Assert.Equal("""{"username":"workflows","password":"p1"}""" + "\n", Read("documentdb.json"));
            foreach (var file in Directory.GetFiles(secrets))
            {
                Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(file));
                using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", file]) { RedirectStandardOutput = true })!;
                Assert.Equal("1654", (await stat.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim());
            }

            Put("api", "k2"); Put("api", "k1", "AWSPREVIOUS"); Put("redis", "r2"); // a rotation of each
            Assert.Equal(0, await Refresh());
            Assert.Equal("k2\nk1\n", Read("api-keys"));
            Assert.Equal("r2\n", Read("redis-password"));

            Put("redis", "r3");
            File.WriteAllText(Path.Combine(store, "fail-db"), "");
            Assert.NotEqual(0, await Refresh());
            Assert.Equal("r2\n", Read("redis-password")); // every read comes before any write
            Assert.Equal(["api-keys", "cache-password", "documentdb.json", "redis-password"], Directory.GetFiles(secrets).Select(Path.GetFileName).Order());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
