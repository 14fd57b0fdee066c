using System.Text.Json.Nodes;
using Workflows.Core.Domain;

namespace Workflows.IntegrationTests.Infrastructure;

internal static class TestData
{
    public static Workflow Workflow(string name = "wf", string owner = "alice", bool active = true, DateTimeOffset? created = null, string? id = null, int waitMs = 0)
    {
        var now = created ?? DateTimeOffset.UtcNow;
        List<WorkflowNode> nodes = [new() { Id = "set", Type = "set", Parameters = JsonNode.Parse("""{"values": {"doubled": "{{ ($input?.n ?? 0) * 2 }}"}}""")!.AsObject() }];
        List<Connection> connections = [];
        if (waitMs > 0)
        {
            nodes.Add(new() { Id = "wait", Type = "wait", Parameters = new JsonObject { ["ms"] = waitMs } });
            connections.Add(new Connection { From = "set", To = "wait" });
        }
        return new Workflow
        {
            Id = id ?? WorkflowJson.NewWorkflowId(),
            Name = name,
            Owner = owner,
            Active = active,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
            Nodes = nodes,
            Connections = connections,
        };
    }

    public static Execution Execution(string workflowId, DateTimeOffset? queued = null) => new()
    {
        Id = WorkflowJson.NewExecutionId(),
        WorkflowId = workflowId,
        WorkflowVersion = 1,
        Status = ExecutionStatus.Queued,
        Input = new JsonObject { ["n"] = 21 },
        QueuedAt = queued ?? DateTimeOffset.UtcNow,
    };
}
