using System.Text.Json.Nodes;

namespace Workflows.Core.Expressions;

/// <summary>
/// What an expression can see, named like n8n's: <c>$json</c> (this node's input), <c>$input</c> (the execution's input),
/// <c>$node["name"].json</c> (an earlier node's output, by name or id) and <c>$execution</c> (id, workflowId).
/// </summary>
public sealed record ExpressionScope(
    JsonNode? Json,
    JsonNode? Input,
    IReadOnlyDictionary<string, JsonNode?> NodeOutputs,
    string ExecutionId,
    string WorkflowId);
