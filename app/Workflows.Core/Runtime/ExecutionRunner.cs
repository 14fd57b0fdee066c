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
    /// <param name="maxAttempts">Starts allowed before the execution is given up (crash loops, store outages).</param>
    /// <param name="shutdown">Canceled when this worker stops: the execution is left for another worker to reclaim.</param>
    public async Task<RunOutcome> RunAsync(string executionId, string worker, int maxAttempts, CancellationToken shutdown)
    {
        var execution = await executions.GetAsync(executionId, shutdown);
        if (execution is null)
        {
            logger.LogWarning("Execution {ExecutionId} was delivered but is not stored; acknowledging it", executionId);
            return RunOutcome.Missing;
        }
        if (execution.Status.IsTerminal()) return RunOutcome.AlreadyTerminal;

        if (execution.Attempts >= maxAttempts)
        {
            var reason = $"Gave up after {execution.Attempts} attempt(s): the worker running it stopped or failed before it finished (limit {maxAttempts}).";
            await CompleteAsync(execution, new EngineResult(ExecutionStatus.Failed, null, execution.Nodes, new ExecutionError(reason)), worker);
            logger.LogError("Execution {ExecutionId} dead-lettered after {Attempts} attempts", executionId, execution.Attempts);
            return RunOutcome.DeadLettered;
        }

        var started = await executions.TryStartAsync(executionId, worker, time.GetUtcNow(), shutdown);
        if (started is null) return RunOutcome.AlreadyTerminal;

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
}
