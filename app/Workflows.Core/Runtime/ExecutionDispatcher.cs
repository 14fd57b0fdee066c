using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Core.Runtime;

/// <summary>
/// Accepts executions for the API role: refuses when the backlog is over the limit (nothing stored), otherwise
/// persists the execution as queued and then publishes it. If publishing fails the stored execution is removed
/// again, so a client that got an error never finds a queued execution that no worker will see.
/// </summary>
public sealed class ExecutionDispatcher(IExecutionStore executions, IExecutionQueue queue, DispatchOptions options, TimeProvider time)
{
    public async Task<DispatchResult> DispatchAsync(Workflow workflow, JsonNode? input, CancellationToken ct)
    {
        var backlog = await queue.GetAdmissionBacklogAsync(ct);
        if (backlog >= options.MaxBacklog) return new DispatchResult.Rejected(backlog, options.RetryAfter);

        var execution = new Execution
        {
            Id = WorkflowJson.NewExecutionId(),
            WorkflowId = workflow.Id,
            WorkflowVersion = workflow.Version,
            Status = ExecutionStatus.Queued,
            Input = input,
            QueuedAt = time.GetUtcNow(),
        };
        await executions.InsertAsync(execution, ct);
        try
        {
            await queue.PublishAsync(execution.Id, ct);
        }
        catch (Exception publishError)
        {
            try
            {
                await executions.DeleteAsync(execution.Id, CancellationToken.None);
            }
            catch (Exception deleteError)
            {
                // Both failed: the execution stays queued but unpublished. A worker's start-up scan (in-process mode)
                // or an operator can find it; the client still sees the publish error, which is the cause.
                throw new AggregateException($"Publishing execution '{execution.Id}' failed and removing it failed too.", publishError, deleteError);
            }
            throw;
        }
        return new DispatchResult.Accepted(execution);
    }
}

public sealed record DispatchOptions
{
    /// <summary>At or above this backlog, new executions are refused with 503 and Retry-After.</summary>
    public long MaxBacklog { get; init; } = 10_000;
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(5);
}

public abstract record DispatchResult
{
    public sealed record Accepted(Execution Execution) : DispatchResult;
    public sealed record Rejected(long Backlog, TimeSpan RetryAfter) : DispatchResult;
}
