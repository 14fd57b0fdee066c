using YamlDotNet.RepresentationModel;

namespace Workflows.LoadTest.Tests;

/// <summary>
/// The files that run only where Docker and k6 exist (GitHub Actions): well-formed, with the jobs and steps they
/// promise, each step either a pinned action or a command, and nothing of them needed by .ci/run.
/// </summary>
public class RepositoryFilesTests
{
    private static YamlMappingNode Load(params string[] path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Repository.File(path));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    private static string Text(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : node.ToString();

    public static TheoryData<string> Workflows() => new(Directory.GetFiles(Repository.File(".github", "workflows"), "*.yml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_workflow_has_jobs_with_a_runner_and_steps_that_use_a_pinned_action_or_run_a_command(string file)
    {
        var workflow = Load(".github", "workflows", file);
        Assert.True(workflow.Children.ContainsKey(new YamlScalarNode("on")), $"{file}: no 'on'");
        foreach (var (name, job) in Map(workflow, "jobs").Children)
        {
            var j = (YamlMappingNode)job;
            Assert.True(j.Children.ContainsKey(new YamlScalarNode("runs-on")), $"{file}: job {name} has no runs-on");
            var steps = (YamlSequenceNode)j.Children[new YamlScalarNode("steps")];
            Assert.NotEmpty(steps.Children);
            foreach (YamlMappingNode step in steps.Children.Cast<YamlMappingNode>())
            {
                var uses = step.Children.TryGetValue(new YamlScalarNode("uses"), out var u) ? Text(u) : null;
                var run = step.Children.TryGetValue(new YamlScalarNode("run"), out var r) ? Text(r) : null;
                Assert.True(uses is null != (run is null), $"{file}: a step of {name} must either use an action or run a command");
                if (uses is not null) Assert.Matches(@"^[\w.-]+/[\w.-]+@v\d+$", uses);
            }
        }
    }

    [Fact]
    public void The_load_test_workflow_runs_k6_the_compose_smoke_test_and_the_mongodb_store()
    {
        var jobs = Map(Load(".github", "workflows", "loadtest.yml"), "jobs");
        string Steps(string job) => string.Join("\n", ((YamlSequenceNode)Map(jobs, job).Children[new YamlScalarNode("steps")]).Children.Select(s => s.ToString()));
        Assert.Contains("grafana/setup-k6-action", Steps("k6"));
        Assert.Contains("loadtest/k6/profile.js", Steps("k6"));
        Assert.Contains("TIME_SCALE=0.1", Steps("k6"));
        Assert.Contains("docker compose up", Steps("compose"));
        Assert.Contains("PROFILE=smoke", Steps("compose"));
        Assert.Contains("MongoStoreTests", Steps("mongo"));
        Assert.Contains("--replSet rs0", Steps("mongo"));
        Assert.Contains("retryWrites=false", Map(Map(jobs, "mongo"), "env").ToString());
        Assert.Contains("--store mongodb", Steps("mongo"));
    }

    [Fact]
    public void The_compose_file_runs_the_source_documents_platform()
    {
        var services = Map(Load("docker-compose.yml"), "services");
        var names = services.Children.Keys.Select(Text).ToList();
        foreach (var expected in new[] { "api-1", "api-2", "api-3", "worker-1", "worker-2", "nginx", "redis-queue", "redis-cache", "mongo" })
            Assert.Contains(expected, names);
        Assert.Contains("noeviction", Map(services, "redis-queue").ToString());
        Assert.Contains("allkeys-lru", Map(services, "redis-cache").ToString());
        var nginx = File.ReadAllText(Repository.File("loadtest", "compose", "nginx.conf"));
        foreach (var directive in new[] { "least_conn", "keepalive 64", "proxy_next_upstream", "gzip on", "location = /health" }) Assert.Contains(directive, nginx);
    }

    [Fact]
    public void The_ci_entry_point_needs_neither_docker_nor_k6()
    {
        foreach (var file in new[] { Repository.File(".ci", "run"), Repository.File("test.sh") })
        {
            var text = File.ReadAllText(file);
            // Commands, not words: "no Docker engine is needed" in a message runs nothing.
            Assert.DoesNotMatch(@"(^|[;&|(\s])(docker|docker-compose|k6)\s", text);
        }
    }
}
