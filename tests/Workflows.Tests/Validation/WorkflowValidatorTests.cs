using Workflows.Core.Domain;
using Workflows.Core.Validation;
using static Workflows.Tests.TestWorkflows;

namespace Workflows.Tests.Validation;

public class WorkflowValidatorTests
{
    private static readonly WorkflowValidator Validator = new(Registry(), new WorkflowLimits { MaxNodes = 5 });

    private static Dictionary<string, string> Errors(Workflow w) =>
        Validator.Validate(w).GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" | ", g.Select(e => e.Message)));

    [Fact]
    public void A_valid_workflow_has_no_errors()
    {
        var w = Workflow(
            [Node("a", "set", """{"values": {"x": "{{ $json.n }}"}}"""), Node("b", "if", """{"condition": "{{ $json.x > 1 }}"}"""),
             Node("c", "wait", """{"ms": 5}"""), Node("d", "http", """{"url": "https://example.com/{{ $json.x }}", "method": "post"}""")],
            [Edge("a", "b"), Edge("b", "c", "true"), Edge("b", "d", "false")]);
        Assert.Empty(Validator.Validate(w));
    }

    [Fact]
    public void Unknown_node_types_are_named_with_the_known_ones()
    {
        var errors = Errors(Workflow([Node("a", "set", """{"values": {}}"""), Node("b", "email")]));
        Assert.Contains("unknown node type 'email'", errors["nodes[1].type"]);
        Assert.Contains("http, if, set, wait", errors["nodes[1].type"]);
    }

    [Fact]
    public void Broken_connections_name_the_missing_node_and_the_bad_port()
    {
        var errors = Errors(Workflow([Node("a", "set", """{"values": {}}"""), Node("b", "if", """{"condition": "{{ true }}"}""")],
            [Edge("a", "ghost"), Edge("nobody", "a"), Edge("b", "a", "maybe"), Edge("a", "a")]));
        Assert.Contains("no node has id 'ghost'", errors["connections[0].to"]);
        Assert.Contains("no node has id 'nobody'", errors["connections[1].from"]);
        Assert.Contains("has no output 'maybe'", errors["connections[2].output"]);
        Assert.Contains("connected to itself", errors["connections[3]"]);
    }

    [Fact]
    public void Node_names_must_be_unique_since_outputs_are_addressed_by_name()
    {
        var w = Workflow([Node("a", "set", """{"values": {}}""") with { Name = "X" }, Node("b", "set", """{"values": {}}""") with { Name = "X" }, Node("X", "set", """{"values": {}}""")]);
        var errors = Errors(w);
        Assert.Contains("'X' names another node too", errors["nodes[1].name"]);
        Assert.Contains("'X' names another node too", errors["nodes[2].id"]);
    }

    [Fact]
    public void Cycles_are_refused_and_spelled_out()
    {
        var errors = Errors(Workflow([Node("a", "set", """{"values": {}}"""), Node("b", "set", """{"values": {}}"""), Node("c", "set", """{"values": {}}""")],
            [Edge("a", "b"), Edge("b", "c"), Edge("c", "a")]));
        Assert.Contains("a -> b -> c -> a", errors["connections"]);
    }

    [Fact]
    public void Names_ids_and_counts_are_checked()
    {
        var w = Workflow([Node("a", "set", """{"values": {}}"""), Node("a", "set", """{"values": {}}""")]) with { Name = " ", Owner = "" };
        var errors = Errors(w);
        Assert.Contains("required", errors["name"]);
        Assert.Contains("required", errors["owner"]);
        Assert.Contains("'a' is used by another node", errors["nodes[1].id"]);

        Assert.Contains("at least one node", Errors(Workflow([]))["nodes"]);
        Assert.Contains("at most 5", Errors(Workflow(Enumerable.Range(0, 6).Select(i => Node($"n{i}", "set", """{"values": {}}"""))))["nodes"]);
    }

    [Fact]
    public void Node_parameters_are_checked_by_their_type()
    {
        var errors = Errors(Workflow(
        [
            Node("s", "set", """{"keepInput": "yes"}"""),
            Node("i", "if", """{"condition": "x > 1"}"""),
            Node("w", "wait", """{"ms": 999999999}"""),
            Node("h", "http", """{"url": "ftp://example.com", "method": "BREW", "headers": {"a": 1}}"""),
            Node("e", "set", """{"values": {"x": "{{ 1 + }}"}}"""),
        ]));
        Assert.Contains("must be an object", errors["nodes[0].parameters.values"]);
        Assert.Contains("true or false", errors["nodes[0].parameters.keepInput"]);
        Assert.Contains("must be an expression", errors["nodes[1].parameters.condition"]);
        Assert.Contains("from 0 to 5000", errors["nodes[2].parameters.ms"]);
        Assert.Contains("absolute http or https URL", errors["nodes[3].parameters.url"]);
        Assert.Contains("must be one of", errors["nodes[3].parameters.method"]);
        Assert.Contains("values are strings", errors["nodes[3].parameters.headers"]);
        Assert.Contains("{{ 1 + }}", errors["nodes[4].parameters.values"]);
    }

    [Fact]
    public void Timeouts_and_retries_are_bounded()
    {
        var errors = Errors(Workflow([Node("a", "set", """{"values": {}}""", timeoutSeconds: 0, retry: new RetryPolicy { MaxAttempts = 50, BackoffMs = -1 })], timeoutSeconds: 999999));
        Assert.Contains("from 1 to 300", errors["nodes[0].timeoutSeconds"]);
        Assert.Contains("from 1 to 10", errors["nodes[0].retry.maxAttempts"]);
        Assert.Contains("from 0 to 60000", errors["nodes[0].retry.backoffMs"]);
        Assert.Contains("from 1 to 3600", errors["settings.timeoutSeconds"]);
    }
}
