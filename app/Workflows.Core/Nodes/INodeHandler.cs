using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Expressions;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>A node type. Handlers are stateless singletons; per-run data arrives in <see cref="NodeContext"/>.</summary>
public interface INodeHandler
{
    /// <summary>The value of <c>type</c> in a workflow document.</summary>
    string Type { get; }

    /// <summary>Output ports a connection may start from.</summary>
    IReadOnlyList<string> Outputs { get; }

    /// <summary>Checks parameters when a workflow is saved, so bad documents never reach a worker.</summary>
    IEnumerable<ValidationError> Validate(JsonObject parameters, string path);

    Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct);
}

/// <param name="Input">This node's input: the output of the node that activated it, or the execution input for start nodes.</param>
public sealed record NodeContext(WorkflowNode Node, JsonNode? Input, ExpressionScope Scope, ExpressionEvaluator Expressions)
{
    /// <summary>The node's parameters with every expression resolved.</summary>
    public JsonObject ResolveParameters(CancellationToken ct) => (JsonObject)Expressions.Resolve(Node.Parameters, Scope, ct)!;
}

/// <param name="Branch">The output port that fires; nodes connected to the other ports are skipped.</param>
public sealed record NodeOutput(JsonNode? Data, string Branch = Connection.MainOutput);

/// <summary>A node failure that will fail again if retried (bad parameters, a refused host): no retries are spent on it.</summary>
public sealed class PermanentNodeException(string message, Exception? inner = null) : Exception(message, inner);
