using System.Text.Json.Nodes;
using Workflows.Core.Expressions;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>
/// Branches on <c>condition</c> (an expression, JavaScript truthiness). Passes its input through on the
/// <c>true</c> or <c>false</c> output; nodes on the other output are skipped.
/// </summary>
public sealed class IfNode : INodeHandler
{
    public const string True = "true";
    public const string False = "false";

    public string Type => "if";
    public IReadOnlyList<string> Outputs { get; } = [True, False];

    public IEnumerable<ValidationError> Validate(JsonObject p, string path)
    {
        var condition = Parameters.String(p, "condition");
        if (condition is null || !ExpressionEvaluator.ContainsExpression(condition))
            yield return new ValidationError($"{path}.condition", "is required and must be an expression such as \"{{ $json.count > 3 }}\"");
        foreach (var e in Parameters.CheckExpressions(p, path)) yield return e;
    }

    public Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct)
    {
        var condition = Parameters.String(context.Node.Parameters, "condition")!;
        var branch = context.Expressions.IsTruthy(condition, context.Scope, ct) ? True : False;
        return Task.FromResult(new NodeOutput(context.Input?.DeepClone(), branch));
    }
}
