using System.Text.Json.Nodes;
using Workflows.Core.Expressions;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>Small readers for node parameters, shared by the handlers' validation and execution.</summary>
internal static class Parameters
{
    public static string? String(JsonObject p, string name) =>
        p[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Integer(JsonObject p, string name) =>
        p[name] is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : p[name] is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) ? (long)x
        : null;

    /// <summary>A required string, possibly holding expressions.</summary>
    public static IEnumerable<ValidationError> RequireString(JsonObject p, string name, string path)
    {
        if (string.IsNullOrWhiteSpace(String(p, name)))
            yield return new ValidationError($"{path}.{name}", "is required and must be a non-empty string");
    }

    /// <summary>Reports expression syntax errors anywhere under a parameter.</summary>
    public static IEnumerable<ValidationError> CheckExpressions(JsonObject p, string path) =>
        p.SelectMany(kv => ExpressionEvaluator.CheckSyntax(kv.Value).Select(err => new ValidationError($"{path}.{kv.Key}", err)));

    /// <summary>An integer in a range, or an expression that yields one at run time.</summary>
    public static IEnumerable<ValidationError> OptionalInteger(JsonObject p, string name, string path, long min, long max)
    {
        if (!p.ContainsKey(name)) yield break;
        if (String(p, name) is { } s && ExpressionEvaluator.ContainsExpression(s)) yield break;
        var value = Integer(p, name);
        if (value is null || value < min || value > max)
            yield return new ValidationError($"{path}.{name}", $"must be an integer from {min} to {max}");
    }
}
