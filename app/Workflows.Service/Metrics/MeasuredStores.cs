using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Metrics;

/// <summary>Decorates the workflow store with the bottleneck detector's database threshold.</summary>
public sealed class MeasuredWorkflowStore(IWorkflowStore inner, BottleneckDetector detector) : IWorkflowStore
{
    private const string C = BottleneckDetector.Database;

    public Task InsertAsync(Workflow workflow, CancellationToken ct) => detector.MeasureAsync(C, "workflows.insert", () => inner.InsertAsync(workflow, ct));
    public Task<Workflow?> GetAsync(string id, CancellationToken ct) => detector.MeasureAsync(C, "workflows.get", () => inner.GetAsync(id, ct));
    public Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct) =>
        detector.MeasureAsync(C, "workflows.update", () => inner.UpdateAsync(workflow, expectedVersion, ct));
    public Task<bool> DeleteAsync(string id, CancellationToken ct) => detector.MeasureAsync(C, "workflows.delete", () => inner.DeleteAsync(id, ct));
    public Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct) => detector.MeasureAsync(C, "workflows.list", () => inner.ListAsync(query, ct));
}

/// <summary>Decorates the execution store with the bottleneck detector's database threshold.</summary>
public sealed class MeasuredExecutionStore(IExecutionStore inner, BottleneckDetector detector) : IExecutionStore
{
    private const string C = BottleneckDetector.Database;

    public Task InsertAsync(Execution execution, CancellationToken ct) => detector.MeasureAsync(C, "executions.insert", () => inner.InsertAsync(execution, ct));
    public Task<Execution?> GetAsync(string id, CancellationToken ct) => detector.MeasureAsync(C, "executions.get", () => inner.GetAsync(id, ct));
    public Task<StartAttempt> TryStartAsync(string id, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, int maxAttempts, CancellationToken ct) =>
        detector.MeasureAsync(C, "executions.start", () => inner.TryStartAsync(id, worker, now, leaseUntil, maxAttempts, ct));
    public Task RenewLeasesAsync(string worker, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken ct) =>
        detector.MeasureAsync(C, "executions.renew", () => inner.RenewLeasesAsync(worker, ids, leaseUntil, ct));
    public Task<IReadOnlyList<RecoverableExecution>> ListRecoverableAsync(DateTimeOffset queuedBefore, DateTimeOffset now, RecoverableExecution? after, int limit, CancellationToken ct) =>
        detector.MeasureAsync(C, "executions.recoverable", () => inner.ListRecoverableAsync(queuedBefore, now, after, limit, ct));
    public Task<bool> TryCompleteAsync(Execution terminal, CancellationToken ct) => detector.MeasureAsync(C, "executions.complete", () => inner.TryCompleteAsync(terminal, ct));
    public Task<Execution?> TryCancelAsync(string id, DateTimeOffset now, CancellationToken ct) => detector.MeasureAsync(C, "executions.cancel", () => inner.TryCancelAsync(id, now, ct));
    public Task<bool> DeleteAsync(string id, CancellationToken ct) => detector.MeasureAsync(C, "executions.delete", () => inner.DeleteAsync(id, ct));
    public Task<IReadOnlyList<string>> ListUnfinishedIdsAsync(int limit, CancellationToken ct) =>
        detector.MeasureAsync(C, "executions.unfinished", () => inner.ListUnfinishedIdsAsync(limit, ct));
    public Task<Page<Execution>> ListByWorkflowAsync(string workflowId, PageRequest page, CancellationToken ct) =>
        detector.MeasureAsync(C, "executions.list", () => inner.ListByWorkflowAsync(workflowId, page, ct));
}
