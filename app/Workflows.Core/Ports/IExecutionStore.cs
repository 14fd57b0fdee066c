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

    /// <summary>
    /// Moves a queued execution, or a running one whose worker lease ran out before <paramref name="now"/>, to
    /// running: adds one attempt, records the worker and gives it the lease until <paramref name="leaseUntil"/>.
    /// Atomic: of two workers holding the same execution, only one starts it. An execution that already used
    /// <paramref name="maxAttempts"/> starts is not started but answered as exhausted (its lease still counts).
    /// </summary>
    Task<StartAttempt> TryStartAsync(string id, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, int maxAttempts, CancellationToken ct);

    /// <summary>
    /// Extends the leases <paramref name="worker"/> holds on these running executions (its heartbeat). A lease set
    /// to now releases the execution for another worker at once (a drain that ran out of time).
    /// </summary>
    Task RenewLeasesAsync(string worker, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken ct);

    /// <summary>
    /// Executions that may have lost their queue entry, oldest first (by queuedAt, then id), after <paramref name="after"/>
    /// when given (keyset paging): queued before <paramref name="queuedBefore"/>, or running with a lease that ran out
    /// before <paramref name="now"/>. What the reconciler checks against the queue.
    /// </summary>
    Task<IReadOnlyList<RecoverableExecution>> ListRecoverableAsync(DateTimeOffset queuedBefore, DateTimeOffset now, RecoverableExecution? after, int limit, CancellationToken ct);

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

/// <summary>An execution the reconciler may have to enqueue again; also the paging cursor (queuedAt, id).</summary>
public sealed record RecoverableExecution(string Id, DateTimeOffset QueuedAt);

/// <summary>What <see cref="IExecutionStore.TryStartAsync"/> found.</summary>
public abstract record StartAttempt
{
    /// <summary>This worker holds the execution now (status running, attempts + 1, leased).</summary>
    public sealed record Started(Execution Execution) : StartAttempt;
    /// <summary>Not stored (deleted, or never committed) or already terminal: nothing to run.</summary>
    public sealed record Finished : StartAttempt;
    /// <summary>Another worker holds a live lease on it: leave this delivery for later.</summary>
    public sealed record Leased(string Worker, DateTimeOffset Until) : StartAttempt;
    /// <summary>Used all its attempts without finishing: to be stored as failed.</summary>
    public sealed record Exhausted(Execution Execution) : StartAttempt;
}

/// <summary>
/// Named leases in the durable store, so that one process among many does a singleton job (the reconciler) and a
/// process that dies hands it over when its lease runs out.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Takes or renews the lease if it is free, expired or already <paramref name="holder"/>'s.</summary>
    Task<bool> TryAcquireAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken ct);
}

/// <summary>Reachability check for readiness probes.</summary>
public interface IStoreHealth
{
    Task PingAsync(CancellationToken ct);
}

/// <summary>The item cannot be stored as it is (too deep, too large, invalid text); retrying will not help.</summary>
public sealed class UnstorableItemException(string message, Exception inner) : Exception(message, inner);
