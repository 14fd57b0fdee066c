using Microsoft.Extensions.Logging;
using Workflows.Core.Domain;
using Workflows.Core.Engine;
using Workflows.Core.Ports;

namespace Workflows.Core.Runtime;

/// <summary>
/// What a worker does with one delivered execution id, whatever queue delivered it. Idempotent: an execution
/// that is already terminal is only acknowledged. The terminal write is conditional, so a second worker
/// running a reclaimed execution can never overwrite the first one's result.
/// </summary>
public sealed class ExecutionRunner(
    IWorkflowStore workflows,
    IExecutionStore executions,
    WorkflowEngine engine,
    RunningExecutions running,
    IExecutionObserver observer,
    TimeProvider time,
    ILogger<ExecutionRunner> logger)
{
    /// <param name="policy">Attempts allowed and how long a start leases the execution to this worker.</param>
    /// <param name="shutdown">Canceled when this worker stops: the execution is left for another worker to reclaim.</param>
    public async Task<RunOutcome> RunAsync(string executionId, string worker, RunPolicy policy, CancellationToken shutdown)
    {
        var now = time.GetUtcNow();
        var attempt = await executions.TryStartAsync(executionId, worker, now, now + policy.Lease, policy.MaxAttempts, shutdown);
        Execution started;
        switch (attempt)
        {
            case StartAttempt.Started s:
                started = s.Execution;
                break;
            case StartAttempt.Leased leased:
                // A second delivery of an execution another worker is running (a reconciler re-enqueue that raced a
                // slow worker): leave it; once the other worker finishes, a later delivery only acknowledges it.
                logger.LogInformation("Execution {ExecutionId} is leased to {Worker} until {Until}; leaving this delivery", executionId, leased.Worker, leased.Until);
                return RunOutcome.Leased;
            case StartAttempt.Exhausted exhausted:
                var execution = exhausted.Execution;
                var reason = $"Gave up after {execution.Attempts} attempt(s): the worker running it stopped or failed before it finished (limit {policy.MaxAttempts}).";
                await CompleteAsync(execution, new EngineResult(ExecutionStatus.Failed, null, execution.Nodes, new ExecutionError(reason)), worker);
                logger.LogError("Execution {ExecutionId} dead-lettered after {Attempts} attempts", executionId, execution.Attempts);
                return RunOutcome.DeadLettered;
            default:
                return RunOutcome.AlreadyTerminal; // missing or terminal: nothing to run, only acknowledge
        }

        var workflow = await workflows.GetAsync(started.WorkflowId, shutdown);
        if (workflow is null)
        {
            var error = new ExecutionError($"Workflow '{started.WorkflowId}' was deleted before the execution ran.");
            await CompleteAsync(started, new EngineResult(ExecutionStatus.Failed, null, [], error), worker);
            return RunOutcome.Completed;
        }

        using var cancel = running.Register(executionId);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, cancel.Token);
        EngineResult result;
        try
        {
            result = await engine.RunAsync(workflow, started, linked.Token);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            logger.LogWarning("Execution {ExecutionId} interrupted by shutdown; it stays pending for another worker", executionId);
            await ReleaseLeaseAsync(executionId, worker);
            return RunOutcome.Interrupted;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The API already wrote "canceled"; the conditional write below is a no-op then.
            result = new EngineResult(ExecutionStatus.Canceled, null, [], new ExecutionError("Canceled on request."));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A defect or a workflow the engine cannot run: re-running it would fail the same way, so it ends here.
            logger.LogError(e, "Execution {ExecutionId} failed inside the engine", executionId);
            result = new EngineResult(ExecutionStatus.Failed, null, [], new ExecutionError($"The engine failed: {e.Message}"));
        }
        finally
        {
            running.Unregister(executionId);
        }

        await CompleteAsync(started, result, worker);
        return RunOutcome.Completed;
    }

    /// <summary>Best effort: the lease would run out by itself; releasing it lets another worker start at once.</summary>
    private async Task ReleaseLeaseAsync(string executionId, string worker)
    {
        try
        {
            await executions.RenewLeasesAsync(worker, [executionId], time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not release the lease on {ExecutionId}; it runs out by itself", executionId);
        }
    }

    private async Task CompleteAsync(Execution execution, EngineResult result, string worker)
    {
        // Not cancellable: once a result exists it must be written, or the execution runs again after a reclaim.
        var terminal = execution with
        {
            Status = result.Status,
            Output = result.Output,
            Nodes = result.Nodes,
            Error = result.Error,
            Worker = worker,
            FinishedAt = time.GetUtcNow(),
        };
        bool written;
        var stored = terminal;
        try
        {
            written = await executions.TryCompleteAsync(terminal, CancellationToken.None);
        }
        catch (UnstorableItemException e)
        {
            // The result itself cannot be stored (too deep, too large, invalid text): store the outcome without the data,
            // rather than leave the execution to be re-run with all its side effects.
            logger.LogError(e, "Execution {ExecutionId}: its result could not be stored; storing the outcome without outputs", execution.Id);
            stored = terminal with
            {
                Status = result.Status == ExecutionStatus.Succeeded ? ExecutionStatus.Failed : result.Status,
                Output = null,
                Nodes = result.Nodes.Select(n => n with { Output = null }).ToList(),
                Error = new ExecutionError($"The result could not be stored: {e.Message}", result.Error?.NodeId),
            };
            written = await executions.TryCompleteAsync(stored, CancellationToken.None);
        }
        if (written) observer.Finished(stored.Status);
        else logger.LogInformation("Execution {ExecutionId} was already terminal; result of {Worker} discarded", execution.Id, worker);
    }
}

/// <summary>How a worker runs executions: the attempt limit, and the lease a start takes (renewed by the worker's heartbeat).</summary>
/// <param name="Lease">Zero where one process owns every execution (in-process mode): a restart may start them at once.</param>
public sealed record RunPolicy(int MaxAttempts, TimeSpan Lease);

public enum RunOutcome
{
    /// <summary>Ran and a terminal state is stored: acknowledge.</summary>
    Completed,
    /// <summary>Was terminal before this delivery: acknowledge only.</summary>
    AlreadyTerminal,
    /// <summary>Not in the store: acknowledge and forget.</summary>
    Missing,
    /// <summary>Over its attempt limit: stored as failed; move the entry to the dead-letter stream.</summary>
    DeadLettered,
    /// <summary>Stopped by shutdown: do not acknowledge, another worker reclaims it.</summary>
    Interrupted,
    /// <summary>Another worker holds a live lease on it: do not acknowledge; a later delivery settles it.</summary>
    Leased,
}
