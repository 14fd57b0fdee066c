namespace Workflows.Core.Engine;

/// <summary>Defaults for workflows that set no timeout or retry of their own.</summary>
public sealed record EngineOptions
{
    public TimeSpan DefaultNodeTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan DefaultExecutionTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
