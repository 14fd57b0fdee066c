using Workflows.Core.Domain;

namespace Workflows.Core.Ports;

/// <summary>
/// Where executions live. State changes are conditional so that two workers racing on the same execution
/// (a reclaim while the first is still alive) can never write two terminal states.
/// </summary>
public interface IExecutionStore
{
    Task InsertAsync(Execution execution, CancellationToken ct);

    Task<Execution?> GetAsync(string id, CancellationToken ct);

    /// <summary>Moves a non-terminal execution to running, adds one attempt and records the worker.</summary>
    /// <returns>The updated execution, or null when it is missing or already terminal.</returns>
    Task<Execution?> TryStartAsync(string id, string worker, DateTimeOffset now, CancellationToken ct);

    /// <summary>Writes a terminal state only if the stored execution is not terminal yet.</summary>
    /// <returns>True when this call wrote the terminal state.</returns>
    Task<bool> TryCompleteAsync(Execution terminal, CancellationToken ct);

    /// <summary>Marks a non-terminal execution canceled, keeping what a worker recorded so far.</summary>
    /// <returns>The canceled execution, or null when it is missing or already terminal.</returns>
    Task<Execution?> TryCancelAsync(string id, DateTimeOffset now, CancellationToken ct);

    /// <summary>Removes an execution; used only to undo an insert whose enqueue failed.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken ct);

    /// <summary>Ids of queued or running executions, oldest first: what an in-process worker re-queues after a restart.</summary>
    Task<IReadOnlyList<string>> ListUnfinishedIdsAsync(int limit, CancellationToken ct);

    /// <summary>Newest first (queuedAt descending).</summary>
    Task<Page<Execution>> ListByWorkflowAsync(string workflowId, PageRequest page, CancellationToken ct);
}

/// <summary>Reachability check for readiness probes.</summary>
public interface IStoreHealth
{
    Task PingAsync(CancellationToken ct);
}

/// <summary>The item cannot be stored as it is (too deep, too large, invalid text); retrying will not help.</summary>
public sealed class UnstorableItemException(string message, Exception inner) : Exception(message, inner);
