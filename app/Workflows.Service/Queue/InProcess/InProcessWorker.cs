using Microsoft.Extensions.Options;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.InProcess;

/// <summary>Runs executions from the in-process channel with bounded concurrency.</summary>
public sealed class InProcessWorker(
    InProcessQueue queue,
    ExecutionRunner runner,
    IExecutionStore executions,
    WorkerIdentity identity,
    IOptions<QueueOptions> queueOptions,
    IOptions<ServiceOptions> serviceOptions,
    ILogger<InProcessWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = queueOptions.Value;
        using var slots = new WorkerSlots(options.Concurrency);

        // A previous process may have stopped with executions queued or running: they are ours to finish.
        try
        {
            var requeued = 0;
            foreach (var id in await executions.ListUnfinishedIdsAsync(options.InProcessCapacity, stoppingToken))
                if (queue.TryRequeue(id)) requeued++;
            if (requeued > 0) logger.LogInformation("Re-queued {Count} unfinished execution(s) from the store", requeued);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not re-queue unfinished executions; they run after the next restart");
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitForFreeSlotAsync(stoppingToken);
                var id = await queue.Reader.ReadAsync(stoppingToken);
                queue.MarkStarted();
                if (!slots.TryStart(id, ct => RunAsync(id, options.MaxAttempts, ct))) queue.MarkFinished();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }

        logger.LogInformation("Worker stopping: {Count} execution(s) in flight, grace {Grace} s", slots.InFlightIds.Count, serviceOptions.Value.ShutdownGraceSeconds);
        await slots.DrainAsync(TimeSpan.FromSeconds(serviceOptions.Value.ShutdownGraceSeconds));
    }

    private async Task RunAsync(string id, int maxAttempts, CancellationToken ct)
    {
        try
        {
            // No lease: this process is the only one running executions, and after a restart it must start at once
            // what the previous process left running.
            var outcome = await runner.RunAsync(id, identity.Name, new RunPolicy(maxAttempts, TimeSpan.Zero), ct);
            if (outcome == RunOutcome.DeadLettered) logger.LogError("Execution {ExecutionId} failed past its attempt limit", id);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Execution {ExecutionId} could not be run; it stays unfinished and is retried at the next start", id);
        }
        finally
        {
            queue.MarkFinished();
        }
    }
}
