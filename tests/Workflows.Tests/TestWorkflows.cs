using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Engine;
using Workflows.Core.Expressions;
using Workflows.Core.Nodes;

namespace Workflows.Tests;

/// <summary>Builders shared by the unit tests.</summary>
internal static class TestWorkflows
{
    public static WorkflowNode Node(string id, string type, string parametersJson = "{}", int? timeoutSeconds = null, RetryPolicy? retry = null) =>
        new() { Id = id, Type = type, Parameters = JsonNode.Parse(parametersJson)!.AsObject(), TimeoutSeconds = timeoutSeconds, Retry = retry };

    public static Workflow Workflow(IEnumerable<WorkflowNode> nodes, IEnumerable<Connection>? connections = null, int? timeoutSeconds = null) => new()
    {
        Id = "wf_test",
        Name = "test",
        Owner = "tests",
        Version = 1,
        Nodes = nodes.ToList(),
        Connections = (connections ?? []).ToList(),
        Settings = new WorkflowSettings { TimeoutSeconds = timeoutSeconds },
    };

    public static Connection Edge(string from, string to, string output = Connection.MainOutput) => new() { From = from, To = to, Output = output };

    public static Execution Execution(string? inputJson = null) => new()
    {
        Id = "ex_test",
        WorkflowId = "wf_test",
        Input = inputJson is null ? null : JsonNode.Parse(inputJson),
    };

    public static ExpressionEvaluator NewExpressions() => new(new ExpressionOptions());

    public static NodeRegistry Registry(params INodeHandler[] extra) =>
        new([new SetNode(), new IfNode(), new WaitNode(TimeProvider.System, TimeSpan.FromSeconds(5)), new HttpNode(new OutboundHttpPolicy()), .. extra]);

    public static WorkflowEngine NewEngine(NodeRegistry? registry = null, EngineOptions? options = null) =>
        new(registry ?? Registry(), NewExpressions(), options ?? new EngineOptions(), TimeProvider.System);
}
