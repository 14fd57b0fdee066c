namespace Workflows.Core.Expressions;

/// <summary>Sandbox limits for one node's expressions (Jint). CLR access is never enabled.</summary>
public sealed record ExpressionOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);
    public long MemoryLimitBytes { get; init; } = 16 * 1024 * 1024;
    public int MaxStatements { get; init; } = 10_000;
    public int MaxRecursionDepth { get; init; } = 64;
    /// <summary>
    /// Longest array an expression may make. Built-ins such as <c>Array(n).fill()</c> or <c>Array.from</c> allocate in
    /// one native call, before the memory limit is next checked: without this bound one expression can take gigabytes.
    /// </summary>
    public uint MaxArrayLength { get; init; } = 100_000;
}
