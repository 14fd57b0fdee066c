using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workflows.Core.Domain;

/// <summary>A stored workflow: metadata plus a graph of nodes joined by connections.</summary>
public sealed record Workflow
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Owner { get; init; }
    public bool Active { get; init; }
    /// <summary>Starts at 1 and grows by one on every update; updates must name the version they read (optimistic concurrency).</summary>
    public long Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<WorkflowNode> Nodes { get; init; } = [];
    public IReadOnlyList<Connection> Connections { get; init; } = [];
    public WorkflowSettings Settings { get; init; } = new();
}

/// <summary>One step of a workflow. <see cref="Type"/> picks the handler; <see cref="Parameters"/> are handler-specific.</summary>
public sealed record WorkflowNode
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public required string Type { get; init; }
    public JsonObject Parameters { get; init; } = new();
    /// <summary>Per-attempt timeout; falls back to the engine's default.</summary>
    public int? TimeoutSeconds { get; init; }
    public RetryPolicy? Retry { get; init; }

    [JsonIgnore]
    public string DisplayName => Name ?? Id;
}

/// <summary>Node-level retries: exponential backoff starting at <see cref="BackoffMs"/>.</summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 1;
    public int BackoffMs { get; init; } = 200;
}

/// <summary>An edge. <see cref="Output"/> names the source's output port ("main", or "true"/"false" for <c>if</c>).</summary>
public sealed record Connection
{
    public required string From { get; init; }
    public required string To { get; init; }
    public string Output { get; init; } = Connection.MainOutput;

    public const string MainOutput = "main";
}

public sealed record WorkflowSettings
{
    /// <summary>Whole-execution timeout; falls back to the engine's default.</summary>
    public int? TimeoutSeconds { get; init; }
}
