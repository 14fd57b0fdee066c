using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Nodes;
using static Workflows.Tests.TestWorkflows;

namespace Workflows.Tests.Nodes;

public class BuiltInNodeTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static NodeContext Context(WorkflowNode node, string? inputJson)
    {
        var input = inputJson is null ? null : JsonNode.Parse(inputJson);
        return new NodeContext(node, input, new(input, input, new Dictionary<string, JsonNode?>(), "ex", "wf"), NewExpressions());
    }

    [Fact]
    public async Task Set_builds_a_new_object_or_merges_over_the_input()
    {
        var fresh = await new SetNode().ExecuteAsync(Context(Node("s", "set", """{"values": {"b": "{{ $json.a + 1 }}"}}"""), """{"a": 1}"""), Ct);
        Assert.Equal("""{"b":2}""", fresh.Data!.ToJsonString());

        var merged = await new SetNode().ExecuteAsync(Context(Node("s", "set", """{"values": {"b": 5, "a": "x"}, "keepInput": true}"""), """{"a": 1, "c": true}"""), Ct);
        Assert.Equal("""{"a":"x","c":true,"b":5}""", merged.Data!.ToJsonString());
    }

    [Fact]
    public async Task If_passes_its_input_through_on_the_chosen_branch()
    {
        var output = await new IfNode().ExecuteAsync(Context(Node("i", "if", """{"condition": "{{ $json.ok }}"}"""), """{"ok": false, "v": 1}"""), Ct);
        Assert.Equal(IfNode.False, output.Branch);
        Assert.Equal("""{"ok":false,"v":1}""", output.Data!.ToJsonString());
    }

    [Fact]
    public async Task Wait_delays_for_the_resolved_time_and_refuses_more_than_its_bound()
    {
        var wait = new WaitNode(TimeProvider.System, TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        var output = await wait.ExecuteAsync(Context(Node("w", "wait", """{"ms": "{{ $json.delay }}"}"""), """{"delay": 150}"""), Ct);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(140));
        Assert.Equal("""{"delay":150}""", output.Data!.ToJsonString());

        await Assert.ThrowsAsync<PermanentNodeException>(() => wait.ExecuteAsync(Context(Node("w", "wait", """{"ms": "{{ $json.delay }}"}"""), """{"delay": 5000}"""), Ct));
    }
}
