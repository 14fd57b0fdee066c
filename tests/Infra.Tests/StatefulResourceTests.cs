using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// Safe changes: a stateful resource whose logical ID changes is replaced by CloudFormation (a new, empty database,
/// bucket, key or secret). The logical IDs and types of every stateful resource are kept in
/// Snapshots/stateful-resources.json; a change that renames or drops one fails here, naming it. If the replacement is
/// intended (data migrated), regenerate the snapshot with UPDATE_SNAPSHOTS=1 ./test.sh and say why in the commit.
/// </summary>
public sealed class StatefulResourceTests
{
    public static readonly string[] StatefulTypes =
    [
        "AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::S3::Bucket",
        "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup",
    ];

    private static readonly string SnapshotFile = Path.Combine(Environments.Paths.RepositoryRoot, "tests", "Infra.Tests", "Snapshots", "stateful-resources.json");

    private static SortedDictionary<string, SortedDictionary<string, string>> Current(string env) =>
        new(Environments.Get(env).Templates.ToDictionary(t => t.Stack, t => new SortedDictionary<string, string>(
            t.Template["Resources"]!.AsObject()
                .Where(r => StatefulTypes.Contains(r.Value!["Type"]!.GetValue<string>()))
                .ToDictionary(r => r.Key, r => r.Value!["Type"]!.GetValue<string>()))));

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Stateful_resources_keep_their_logical_ids(string env)
    {
        var current = Current(env);
        var snapshot = File.Exists(SnapshotFile) ? JsonNode.Parse(File.ReadAllText(SnapshotFile))!.AsObject() : new JsonObject();
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            snapshot[env] = JsonSerializer.SerializeToNode(current);
            File.WriteAllText(SnapshotFile, snapshot.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return;
        }
        Assert.True(snapshot[env] is not null, $"no snapshot for {env} in {SnapshotFile}: run UPDATE_SNAPSHOTS=1 ./test.sh once");
        var replaced = new List<string>();
        foreach (var (stack, resources) in snapshot[env]!.AsObject())
            foreach (var (logicalId, type) in resources!.AsObject())
            {
                var now = current.GetValueOrDefault(stack)?.GetValueOrDefault(logicalId);
                if (now != type!.GetValue<string>())
                    replaced.Add($"{stack}: {type} {logicalId} {(now is null ? "is gone (renamed or removed): CloudFormation would delete it" : $"is now a {now}: it would be replaced")}");
            }
        Assert.True(replaced.Count == 0, "stateful resources would be replaced (if intended, UPDATE_SNAPSHOTS=1 and say why):\n" + string.Join("\n", replaced));
    }

    [Fact]
    public void Production_keeps_its_stateful_resources_when_a_stack_is_deleted()
    {
        var deleted = new List<string>();
        foreach (var t in Environments.Get("prod").Templates)
            foreach (var (logicalId, resource) in t.Template["Resources"]!.AsObject())
            {
                var type = resource!["Type"]!.GetValue<string>();
                var policy = resource["DeletionPolicy"]?.GetValue<string>() ?? "Delete";
                // DocumentDB instances hold no data of their own (the cluster's storage does; it takes the snapshot).
                if (StatefulTypes.Contains(type) && type != "AWS::DocDB::DBInstance" && policy is not ("Retain" or "Snapshot" or "RetainExceptOnCreate"))
                    deleted.Add($"{t.Stack}: {type} {logicalId} has DeletionPolicy {policy}");
            }
        Assert.True(deleted.Count == 0, string.Join("\n", deleted));
    }
}
