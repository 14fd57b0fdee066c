namespace Workflows.Core.Expressions;

/// <summary>An expression failed to parse, threw, or broke a sandbox limit. Deterministic: retrying does not help.</summary>
public sealed class ExpressionException(string expression, string reason, Exception? inner = null)
    : Exception($"Expression '{Truncate(expression)}' failed: {reason}", inner)
{
    public string Expression { get; } = expression;

    private static string Truncate(string s) => s.Length <= 120 ? s : s[..117] + "...";
}
