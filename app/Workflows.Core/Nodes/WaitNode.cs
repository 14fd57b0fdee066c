using System.Text.Json.Nodes;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>Pauses for <c>ms</c> milliseconds (bounded by <see cref="MaxDelay"/>) and passes its input through.</summary>
public sealed class WaitNode(TimeProvider time, TimeSpan maxDelay) : INodeHandler
{
    public TimeSpan MaxDelay { get; } = maxDelay;

    public string Type => "wait";
    public IReadOnlyList<string> Outputs { get; } = ["main"];

    public IEnumerable<ValidationError> Validate(JsonObject p, string path)
    {
        if (!p.ContainsKey("ms")) yield return new ValidationError($"{path}.ms", "is required");
        foreach (var e in Parameters.OptionalInteger(p, "ms", path, 0, (long)MaxDelay.TotalMilliseconds)) yield return e;
        foreach (var e in Parameters.CheckExpressions(p, path)) yield return e;
    }

    public async Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct)
    {
        var ms = Parameters.Integer(context.ResolveParameters(ct), "ms");
        if (ms is null || ms < 0 || ms > MaxDelay.TotalMilliseconds)
            throw new PermanentNodeException($"'ms' must resolve to an integer from 0 to {MaxDelay.TotalMilliseconds}.");
        await Task.Delay(TimeSpan.FromMilliseconds(ms.Value), time, ct);
        return new NodeOutput(context.Input?.DeepClone());
    }
}
