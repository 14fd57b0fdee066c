using System.Text.Json.Nodes;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>
/// Builds a JSON object from expressions. Parameters: <c>values</c> (object; any value may hold <c>{{ }}</c>),
/// <c>keepInput</c> (bool, default false: when true the values are merged over the input object).
/// </summary>
public sealed class SetNode : INodeHandler
{
    public string Type => "set";
    public IReadOnlyList<string> Outputs { get; } = ["main"];

    public IEnumerable<ValidationError> Validate(JsonObject p, string path)
    {
        if (p["values"] is not JsonObject)
            yield return new ValidationError($"{path}.values", "is required and must be an object");
        if (p["keepInput"] is { } keep && !(keep is JsonValue v && v.TryGetValue<bool>(out _)))
            yield return new ValidationError($"{path}.keepInput", "must be true or false");
        foreach (var e in Parameters.CheckExpressions(p, path)) yield return e;
    }

    public Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct)
    {
        var values = (JsonObject)context.Expressions.Resolve(context.Node.Parameters["values"], context.Scope, ct)!;
        var keepInput = context.Node.Parameters["keepInput"] is JsonValue k && k.TryGetValue<bool>(out var b) && b;
        if (!keepInput || context.Input is not JsonObject input) return Task.FromResult(new NodeOutput(values));

        var merged = (JsonObject)input.DeepClone();
        foreach (var (key, value) in values) merged[key] = value?.DeepClone();
        return Task.FromResult(new NodeOutput(merged));
    }
}
