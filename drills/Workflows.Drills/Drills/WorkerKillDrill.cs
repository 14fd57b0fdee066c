using Workflows.Harness;
using Spectre.Console;
using Workflows.Core.Domain;

namespace Workflows.Drills.Drills;

/// <summary>
/// Workers SIGKILLed one after another while they run a backlog of executions (each waits, then calls a downstream
/// service); each killed worker is replaced at once. Goals: every accepted execution ends succeeded exactly once,
/// and every repeated downstream call carries the key of the first one (a retry is recognisable).
/// </summary>
public static class WorkerKillDrill
{
    public static async Task<DrillReport> RunAsync(int executionCount, int kills, TimeSpan between)
    {
        var report = new DrillReport("worker-kill");
        await using var sink = await DownstreamSink.StartAsync();
        await using var platform = await LocalPlatform.StartAsync(report.Drill, new PlatformOptions
        {
            Workers = 2,
            // Reclaim after 10 s instead of the default 60 s, so the drill takes a minute, not ten.
            // The downstream sink listens on loopback, which the SSRF guard refuses unless told otherwise.
            Common = new() { ["Queue:ClaimIdleSeconds"] = "10", ["Engine:HttpAllowPrivateNetworks"] = "true" },
        });
        var workflowId = await platform.CreateWorkflowAsync(DrillWorkflows.WaitThenCall(100, sink.Url));
        using var client = platform.Client(platform.WriteKey);
        var load = new ExecutionLoad(client, workflowId, concurrency: 16);
        await load.RunAsync(CancellationToken.None, maxExecutions: executionCount);
        var accepted = load.Accepted.ToList();

        var random = new Random(7);
        var killedWhileBusy = 0;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask("worker-kill: killing workers", maxValue: kills);
            for (var i = 0; i < kills; i++)
            {
                await Task.Delay(between);
                var live = platform.Workers.Where(w => !w.HasExited).ToList();
                var victim = live[random.Next(live.Count)];
                var running = (await platform.ExecutionsAsync()).Values.Count(e => e.Status == ExecutionStatus.Running);
                await victim.KillAsync();
                if (running > 0) killedWhileBusy++;
                await platform.StartWorkerAsync();
                task.Increment(1);
            }
        });
        AnsiConsole.MarkupLine($"waiting for {accepted.Count} accepted executions to finish…");
        var (stored, took) = await platform.WaitForTerminalAsync(accepted, TimeSpan.FromSeconds(240));

        var terminal = accepted.Count(id => stored.TryGetValue(id, out var e) && e.Status.IsTerminal());
        var succeeded = accepted.Count(id => stored.GetValueOrDefault(id)?.Status == ExecutionStatus.Succeeded);
        var calls = sink.Calls.ToList();
        var byExecution = calls.GroupBy(c => c.Execution).ToList();
        var repeatedCalls = calls.Count - byExecution.Count;
        var executionsWithOneKey = byExecution.Count(g => g.Select(c => c.Key).Distinct().Count() == 1 && g.First().Key is not null);
        var unhandled = platform.UnhandledExceptionLines();

        report.Note("executions accepted", accepted.Count);
        report.Note("workers killed (SIGKILL)", kills);
        report.Goal("kills while executions were running", killedWhileBusy, $"{kills}", killedWhileBusy == kills);
        report.Goal("accepted executions lost (not terminal)", accepted.Count - terminal, "0", terminal == accepted.Count);
        report.Goal("accepted executions succeeded", succeeded, $"{accepted.Count}", succeeded == accepted.Count);
        report.Note("executions retried after a kill (attempts > 1)", accepted.Count(id => stored.GetValueOrDefault(id)?.Attempts > 1));
        report.Note("downstream calls", calls.Count);
        report.Goal("executions that called downstream", byExecution.Count, $"{accepted.Count}", byExecution.Count == accepted.Count);
        report.Note("repeated downstream calls (at-least-once)", repeatedCalls);
        report.Goal("executions whose calls all carried one Idempotency-Key", executionsWithOneKey, $"{byExecution.Count}", executionsWithOneKey == byExecution.Count);
        report.Note("time to settle after the last kill", took);
        report.Goal("unhandled exceptions in the logs", unhandled.Count, "0", unhandled.Count == 0);
        return report;
    }
}
