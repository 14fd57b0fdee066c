using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Resilience;

/// <summary>The workflow store behind the store's circuit breaker.</summary>
public sealed class GuardedWorkflowStore(IWorkflowStore inner, DependencyGuard guard) : IWorkflowStore
{
    public Task InsertAsync(Workflow workflow, CancellationToken ct) => guard.RunAsync(t => inner.InsertAsync(workflow, t), ct);
    public Task<Workflow?> GetAsync(string id, CancellationToken ct) => guard.RunAsync(t => inner.GetAsync(id, t), ct);
    public Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct) => guard.RunAsync(t => inner.UpdateAsync(workflow, expectedVersion, t), ct);
    public Task<bool> DeleteAsync(string id, CancellationToken ct) => guard.RunAsync(t => inner.DeleteAsync(id, t), ct);
    public Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct) => guard.RunAsync(t => inner.ListAsync(query, t), ct);
}

/// <summary>The execution store behind the store's circuit breaker.</summary>
public sealed class GuardedExecutionStore(IExecutionStore inner, DependencyGuard guard) : IExecutionStore
{
    public Task InsertAsync(Execution execution, CancellationToken ct) => guard.RunAsync(t => inner.InsertAsync(execution, t), ct);
    public Task<Execution?> GetAsync(string id, CancellationToken ct) => guard.RunAsync(t => inner.GetAsync(id, t), ct);
    public Task<StartAttempt> TryStartAsync(string id, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, int maxAttempts, CancellationToken ct) =>
        guard.RunAsync(t => inner.TryStartAsync(id, worker, now, leaseUntil, maxAttempts, t), ct);
    public Task RenewLeasesAsync(string worker, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken ct) =>
        guard.RunAsync(t => inner.RenewLeasesAsync(worker, ids, leaseUntil, t), ct);
    public Task<IReadOnlyList<RecoverableExecution>> ListRecoverableAsync(DateTimeOffset queuedBefore, DateTimeOffset now, RecoverableExecution? after, int limit, CancellationToken ct) =>
        guard.RunAsync(t => inner.ListRecoverableAsync(queuedBefore, now, after, limit, t), ct);
    public Task<bool> TryCompleteAsync(Execution terminal, CancellationToken ct) => guard.RunAsync(t => inner.TryCompleteAsync(terminal, t), ct);
    public Task<Execution?> TryCancelAsync(string id, DateTimeOffset now, CancellationToken ct) => guard.RunAsync(t => inner.TryCancelAsync(id, now, t), ct);
    public Task<bool> DeleteAsync(string id, CancellationToken ct) => guard.RunAsync(t => inner.DeleteAsync(id, t), ct);
    public Task<IReadOnlyList<string>> ListUnfinishedIdsAsync(int limit, CancellationToken ct) => guard.RunAsync(t => inner.ListUnfinishedIdsAsync(limit, t), ct);
    public Task<Page<Execution>> ListByWorkflowAsync(string workflowId, PageRequest page, CancellationToken ct) =>
        guard.RunAsync(t => inner.ListByWorkflowAsync(workflowId, page, t), ct);
}

/// <summary>The API side of the queue (backlog, enqueue, cancel broadcast) behind the queue Redis's circuit breaker.</summary>
public sealed class GuardedExecutionQueue(IExecutionQueue inner, ICancellationBroadcaster broadcaster, DependencyGuard guard) : IExecutionQueue, ICancellationBroadcaster
{
    public Task<long> GetBacklogAsync(CancellationToken ct) => guard.RunAsync(inner.GetBacklogAsync, ct);
    public Task<long> GetAdmissionBacklogAsync(CancellationToken ct) => guard.RunAsync(inner.GetAdmissionBacklogAsync, ct);
    public Task PublishAsync(string executionId, CancellationToken ct) => guard.RunAsync(t => inner.PublishAsync(executionId, t), ct);
    public Task BroadcastAsync(string executionId, CancellationToken ct) => guard.RunAsync(t => broadcaster.BroadcastAsync(executionId, t), ct);
}
