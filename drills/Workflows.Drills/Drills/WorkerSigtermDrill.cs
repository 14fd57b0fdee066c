using Workflows.Harness;
using Workflows.Core.Domain;

namespace Workflows.Drills.Drills;

/// <summary>
/// A worker receives SIGTERM (a rolling deploy, a scale-in) while it runs executions. Goals: it finishes what it runs
/// within its grace period and exits 0, takes nothing new, and nothing is retried (every attempt count stays 1).
/// </summary>
public static class WorkerSigtermDrill
{
    public static async Task<DrillReport> RunAsync(int graceSeconds)
    {
        var report = new DrillReport("worker-sigterm");
        await using var platform = await LocalPlatform.StartAsync(report.Drill, new PlatformOptions
        {
            Workers = 1,
            Worker = new() { ["Workflows:ShutdownGraceSeconds"] = graceSeconds.ToString(), ["Queue:Concurrency"] = "8" },
        });
        var workflowId = await platform.CreateWorkflowAsync(DrillWorkflows.Wait(3000));
        using var client = platform.Client(platform.WriteKey);
        var load = new ExecutionLoad(client, workflowId, concurrency: 4);
        await load.RunAsync(CancellationToken.None, maxExecutions: 24);
        var accepted = load.Accepted.ToList();

        var first = platform.Workers[0];
        Dictionary<string, Execution> now;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            now = await platform.ExecutionsAsync();
        } while (now.Values.Count(e => e.Status == ExecutionStatus.Running) < 8 && DateTime.UtcNow < deadline);
        var inFlight = now.Values.Where(e => e.Status == ExecutionStatus.Running).Select(e => e.Id).ToHashSet();

        var drained = await first.TerminateAsync(TimeSpan.FromSeconds(graceSeconds + 30));
        var afterFirst = await platform.ExecutionsAsync();
        var finishedByFirst = inFlight.Count(id => afterFirst[id].Status == ExecutionStatus.Succeeded);
        var startedAfterSignal = afterFirst.Values.Count(e => e.Status != ExecutionStatus.Queued) - inFlight.Count - now.Values.Count(e => e.Status.IsTerminal());

        await platform.StartWorkerAsync();
        var (stored, _) = await platform.WaitForTerminalAsync(accepted, TimeSpan.FromSeconds(60));
        var retried = accepted.Count(id => stored[id].Attempts > 1);
        var succeeded = accepted.Count(id => stored[id].Status == ExecutionStatus.Succeeded);

        report.Note("executions accepted", accepted.Count);
        report.Note("in flight at SIGTERM", inFlight.Count);
        report.Goal("drain time (SIGTERM to exit)", drained, $"≤ {graceSeconds} s grace", drained <= TimeSpan.FromSeconds(graceSeconds));
        report.Goal("exit code", first.ExitCode, "0", first.ExitCode == 0);
        report.Goal("in-flight executions finished by the stopping worker", finishedByFirst, $"{inFlight.Count}", finishedByFirst == inFlight.Count && inFlight.Count > 0);
        report.Goal("executions started after the signal", Math.Max(0, startedAfterSignal), "0", startedAfterSignal <= 0);
        report.Goal("executions retried (attempts > 1)", retried, "0", retried == 0);
        report.Goal("accepted executions succeeded", succeeded, $"{accepted.Count}", succeeded == accepted.Count);
        return report;
    }
}
