using System.Text.Json.Nodes;

namespace Workflows.Core.Domain;

/// <summary>One run of a workflow, from the moment it was accepted until it reached a terminal state.</summary>
public sealed record Execution
{
    public required string Id { get; init; }
    public required string WorkflowId { get; init; }
    /// <summary>The workflow version that was current when the execution was accepted.</summary>
    public long WorkflowVersion { get; init; }
    public ExecutionStatus Status { get; init; } = ExecutionStatus.Queued;
    public JsonNode? Input { get; init; }
    public JsonNode? Output { get; init; }
    public DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>How many times a worker has started this execution (reclaims after a crash count too).</summary>
    public int Attempts { get; init; }
    public string? Worker { get; init; }
    public IReadOnlyList<NodeResult> Nodes { get; init; } = [];
    public ExecutionError? Error { get; init; }
}

public enum ExecutionStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Canceled,
}

public static class ExecutionStatusExtensions
{
    public static bool IsTerminal(this ExecutionStatus status) =>
        status is ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.TimedOut or ExecutionStatus.Canceled;

    /// <summary>The wire and storage name: kebab-case, e.g. <c>timed-out</c>.</summary>
    public static string ToWire(this ExecutionStatus status) => status switch
    {
        ExecutionStatus.Queued => "queued",
        ExecutionStatus.Running => "running",
        ExecutionStatus.Succeeded => "succeeded",
        ExecutionStatus.Failed => "failed",
        ExecutionStatus.TimedOut => "timed-out",
        ExecutionStatus.Canceled => "canceled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParseWire(string? value, out ExecutionStatus status)
    {
        foreach (var s in Enum.GetValues<ExecutionStatus>())
        {
            if (string.Equals(s.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }
}

/// <summary>What one node did in one execution.</summary>
public sealed record NodeResult
{
    public required string NodeId { get; init; }
    public required NodeStatus Status { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public JsonNode? Output { get; init; }
    /// <summary>For branching nodes: the output port that fired.</summary>
    public string? Branch { get; init; }
    public string? Error { get; init; }
}

public enum NodeStatus
{
    Succeeded,
    Failed,
    Skipped,
}

public sealed record ExecutionError(string Message, string? NodeId = null);
