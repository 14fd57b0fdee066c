namespace Workflows.Core.Expressions;

/// <summary>Sandbox limits for one node's expressions (Jint). CLR access is never enabled.</summary>
public sealed record ExpressionOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);
    public long MemoryLimitBytes { get; init; } = 16 * 1024 * 1024;
    public int MaxStatements { get; init; } = 10_000;
    public int MaxRecursionDepth { get; init; } = 64;
}
