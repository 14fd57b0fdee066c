using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Engine;
using Workflows.Core.Nodes;
using Workflows.Core.Validation;
using static Workflows.Tests.TestWorkflows;

namespace Workflows.Tests.Engine;

public class WorkflowEngineTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_a_chain_passing_each_output_to_the_next_node()
    {
        var w = Workflow(
            [Node("a", "set", """{"values": {"n": "{{ $input.start + 1 }}"}}"""), Node("b", "set", """{"values": {"n": "{{ $json.n * 10 }}", "first": "{{ $node['a'].json.n }}"}}""")],
            [Edge("a", "b")]);
        var result = await NewEngine().RunAsync(w, Execution("""{"start": 1}"""), Ct);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.Equal("""{"n":20,"first":2}""", result.Output!.ToJsonString());
        Assert.All(result.Nodes, n => Assert.Equal(NodeStatus.Succeeded, n.Status));
    }

    [Theory]
    [InlineData(5, "big", "small")]
    [InlineData(1, "small", "big")]
    public async Task If_runs_one_branch_and_skips_the_other(int value, string ran, string skipped)
    {
        var w = Workflow(
            [Node("check", "if", """{"condition": "{{ $json.v > 3 }}"}"""), Node("big", "set", """{"values": {"size": "big"}}"""), Node("small", "set", """{"values": {"size": "small"}}""")],
            [Edge("check", "big", "true"), Edge("check", "small", "false")]);
        var result = await NewEngine().RunAsync(w, Execution($$"""{"v": {{value}}}"""), Ct);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.Equal(NodeStatus.Succeeded, result.Nodes.Single(n => n.NodeId == ran).Status);
        Assert.Equal(NodeStatus.Skipped, result.Nodes.Single(n => n.NodeId == skipped).Status);
        Assert.Equal(ran, result.Output!["size"]!.GetValue<string>());
        Assert.Equal(value > 3 ? "true" : "false", result.Nodes.Single(n => n.NodeId == "check").Branch);
    }

    [Fact]
    public async Task A_node_fed_by_two_nodes_gets_their_outputs_by_name()
    {
        var w = Workflow(
            [Node("x", "set", """{"values": {"v": 1}}"""), Node("y", "set", """{"values": {"v": 2}}"""), Node("sum", "set", """{"values": {"total": "{{ $json.x.v + $json.y.v }}"}}""")],
            [Edge("x", "sum"), Edge("y", "sum")]);
        var result = await NewEngine().RunAsync(w, Execution(), Ct);
        Assert.Equal(3, result.Output!["total"]!.GetValue<double>());
    }

    [Fact]
    public async Task Failing_attempts_are_retried_until_one_succeeds()
    {
        var flaky = new FlakyNode(failures: 2);
        var w = Workflow([Node("f", "flaky", retry: new RetryPolicy { MaxAttempts = 3, BackoffMs = 1 })]);
        var result = await NewEngine(Registry(flaky)).RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.Succeeded, result.Status);
        Assert.Equal(3, result.Nodes[0].Attempts);
        Assert.Equal(3, flaky.Calls);
    }

    [Fact]
    public async Task Exhausted_retries_fail_the_execution_naming_the_node()
    {
        var flaky = new FlakyNode(failures: 5);
        var w = Workflow([Node("f", "flaky", retry: new RetryPolicy { MaxAttempts = 2, BackoffMs = 1 })]);
        var result = await NewEngine(Registry(flaky)).RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal("f", result.Error!.NodeId);
        Assert.Contains("attempt 2 failed", result.Error.Message);
        Assert.Equal(2, result.Nodes[0].Attempts);
    }

    [Fact]
    public async Task Permanent_failures_are_not_retried()
    {
        var permanent = new FlakyNode(failures: 5, permanent: true);
        var w = Workflow([Node("f", "flaky", retry: new RetryPolicy { MaxAttempts = 5, BackoffMs = 1 })]);
        var result = await NewEngine(Registry(permanent)).RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal(1, permanent.Calls);
    }

    [Fact]
    public async Task A_slow_attempt_hits_the_node_timeout_and_is_retried()
    {
        var w = Workflow([Node("w", "wait", """{"ms": 3000}""", timeoutSeconds: 1, retry: new RetryPolicy { MaxAttempts = 2, BackoffMs = 1 })]);
        var result = await NewEngine().RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal(2, result.Nodes[0].Attempts);
        Assert.Contains("timeout of 1 s", result.Error!.Message);
    }

    [Fact]
    public async Task The_whole_execution_times_out()
    {
        var w = Workflow([Node("a", "wait", """{"ms": 800}"""), Node("b", "wait", """{"ms": 800}""")], [Edge("a", "b")], timeoutSeconds: 1);
        var result = await NewEngine().RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.TimedOut, result.Status);
        Assert.Equal("b", result.Error!.NodeId);
        Assert.Contains("timeout of 1 s", result.Error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_propagates()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var w = Workflow([Node("a", "wait", """{"ms": 5000}""")]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NewEngine().RunAsync(w, Execution(), cts.Token));
    }

    [Fact]
    public void Topological_order_keeps_document_order_for_ties()
    {
        var w = Workflow([Node("c", "set"), Node("a", "set"), Node("b", "set")], [Edge("a", "b")]);
        Assert.Equal(["c", "a", "b"], WorkflowGraph.TopologicalOrder(w).Select(n => n.Id));
    }

    /// <summary>Fails a set number of times, then returns its call count.</summary>
    private sealed class FlakyNode(int failures, bool permanent = false) : INodeHandler
    {
        public int Calls;
        public string Type => "flaky";
        public IReadOnlyList<string> Outputs { get; } = ["main"];
        public IEnumerable<ValidationError> Validate(JsonObject parameters, string path) => [];

        public Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct)
        {
            var call = Interlocked.Increment(ref Calls);
            if (call <= failures)
                throw permanent ? new PermanentNodeException($"attempt {call} failed for good") : new InvalidOperationException($"attempt {call} failed");
            return Task.FromResult(new NodeOutput(new JsonObject { ["calls"] = call }));
        }
    }
}
