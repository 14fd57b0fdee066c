using System.Text.RegularExpressions;
using Spectre.Console;
using Workflows.Core.Domain;
using Workflows.Harness;

namespace Workflows.Drills.Drills;

/// <summary>
/// Redis stopped (SIGKILL) while clients post executions continuously, then started again: empty (an ElastiCache
/// node replacement, or a failover losing unreplicated writes) or from its append-only file. Goals: no accepted
/// execution lost, all finished within 60 s of Redis being back, outage answers are 503 within 250 ms (p99), no
/// unhandled exception in any log.
/// </summary>
public static partial class RedisRestartDrill
{
    /// <param name="rate">Executions posted per second; two workers at concurrency 8 running a 50 ms workflow take
    /// about 300/s, so the default 350/s keeps a backlog in the stream for Redis to lose.</param>
    public static async Task<DrillReport> RunAsync(bool keepData, TimeSpan outage, TimeSpan load, int concurrency, double rate)
    {
        var report = new DrillReport(keepData ? "redis-restart-aof" : "redis-restart-empty");
        await using var platform = await LocalPlatform.StartAsync(report.Drill, new PlatformOptions
        {
            Persistence = keepData ? RedisPersistence.AppendOnly : RedisPersistence.None,
            Workers = 2,
            // This drill measures the outage, not the per-key limit its one client would hit while 503s come back fast.
            Api = new() { ["Api:RateLimit:Enabled"] = "false" },
        });
        var workflowId = await platform.CreateWorkflowAsync(DrillWorkflows.OneNodeThenWait(50));
        using var client = platform.Client(platform.WriteKey);
        var executions = new ExecutionLoad(client, workflowId, concurrency);
        using var stop = new CancellationTokenSource();

        TimeSpan downAt = default, upAt = default;
        long backlogAtKill = 0;
        DateTimeOffset upWall = default;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask($"{report.Drill}: posting executions", maxValue: load.TotalSeconds);
            // Clients pause 50 ms after a refusal (less than the Retry-After asks): a client loop, not a busy loop.
            var running = executions.RunAsync(stop.Token, pauseAfterRefusal: TimeSpan.FromMilliseconds(50), rate: rate);
            var before = (load - outage) / 2;
            await Tick(task, executions, before);
            downAt = executions.Elapsed;
            task.Description = $"{report.Drill}: Redis down";
            backlogAtKill = await BacklogAsync(platform);
            await platform.Redis.KillAsync();
            await Tick(task, executions, outage);
            await platform.Redis.StartAgainAsync(keepData);
            upAt = executions.Elapsed;
            upWall = DateTimeOffset.UtcNow;
            task.Description = $"{report.Drill}: Redis back";
            await Tick(task, executions, load - before - outage);
            await stop.CancelAsync();
            await running;
            task.Value = task.MaxValue;
        });

        var attempts = executions.Attempts.ToList();
        var accepted = attempts.Where(a => a.Status == 202).Select(a => a.ExecutionId!).ToList();
        AnsiConsole.MarkupLine($"waiting for {accepted.Count} accepted executions to finish…");
        var (stored, _) = await platform.WaitForTerminalAsync(accepted, TimeSpan.FromSeconds(180));

        var lost = accepted.Count(id => !stored.TryGetValue(id, out var e) || !e.Status.IsTerminal());
        var notSucceeded = accepted.Count(id => stored.TryGetValue(id, out var e) && e.Status.IsTerminal() && e.Status != ExecutionStatus.Succeeded);
        var lastFinished = accepted.Select(id => stored.GetValueOrDefault(id)?.FinishedAt).Where(f => f is not null).DefaultIfEmpty(upWall).Max()!.Value;
        var recoveredAfter = lastFinished > upWall ? lastFinished - upWall : TimeSpan.Zero;
        var during = attempts.Where(a => a.At >= downAt && a.At < upAt).ToList();
        if (Environment.GetEnvironmentVariable("DRILL_DEBUG") is not null)
            foreach (var slow in during.Where(a => a.Latency.TotalMilliseconds > 50))
                Console.WriteLine($"slow: at down+{(slow.At - downAt).TotalMilliseconds:F0} ms (up at down+{(upAt - downAt).TotalMilliseconds:F0}), {slow.Latency.TotalMilliseconds:F0} ms, {slow.Status}");
        var outageP99 = Percentiles.Of(during.Select(a => a.Latency.TotalMilliseconds), 99);
        var firstAccepted = attempts.Where(a => a.At >= upAt && a.Status == 202).Select(a => a.At + a.Latency).DefaultIfEmpty(TimeSpan.MaxValue).Min();
        var others = attempts.Count(a => a.Status is not (202 or 503));
        var recovered = RecoveredLines().Matches(platform.LogText()).Sum(m => int.Parse(m.Groups[1].Value));
        var unhandled = platform.UnhandledExceptionLines();

        report.Note("requests posted", attempts.Count);
        report.Note("stream backlog when Redis was killed", backlogAtKill);
        report.Note("accepted (202)", accepted.Count);
        report.Note("refused with 503 + Retry-After", attempts.Count(a => a.Status == 503));
        foreach (var group in attempts.Where(a => a.Status is not (202 or 503)).GroupBy(a => a.Status).OrderBy(g => g.Key))
            report.Note($"answered {(group.Key == 0 ? "nothing (connection failed)" : group.Key)}", group.Count());
        report.Goal("other answers (5xx other than 503, no answer)", others, "0", others == 0);
        report.Goal("accepted executions lost", lost, "0", lost == 0);
        report.Goal("accepted executions not succeeded", notSucceeded, "0", notSucceeded == 0);
        report.Note("re-enqueued by the reconciler", recovered);
        report.Note("executions run more than once (attempts > 1)", accepted.Count(id => stored.GetValueOrDefault(id)?.Attempts > 1));
        report.Goal("all accepted finished, after Redis was back", recoveredAfter, "≤ 60 s", recoveredAfter <= TimeSpan.FromSeconds(60));
        report.Note("requests during the outage", during.Count);
        report.Note("outage answers p50 (ms)", Percentiles.Of(during.Select(a => a.Latency.TotalMilliseconds), 50));
        report.Goal("outage answers p99 (ms)", outageP99, "< 250", during.Count > 0 && outageP99 < 250);
        report.Note("outage answers max (ms)", during.Select(a => a.Latency.TotalMilliseconds).DefaultIfEmpty(0).Max());
        report.Note("first 202 after Redis was back", firstAccepted == TimeSpan.MaxValue ? "never" : $"{(firstAccepted - upAt).TotalSeconds:0.0} s");
        report.Goal("unhandled exceptions in the logs", unhandled.Count, "0", unhandled.Count == 0);
        return report;
    }

    private static async Task<long> BacklogAsync(LocalPlatform platform) =>
        await platform.Redis.Admin.GetDatabase().StreamLengthAsync("workflows:executions");

    private static async Task Tick(ProgressTask task, ExecutionLoad load, TimeSpan span)
    {
        var end = load.Elapsed + span;
        while (load.Elapsed < end)
        {
            await Task.Delay(200);
            task.Value = Math.Min(task.MaxValue, load.Elapsed.TotalSeconds);
        }
    }

    [GeneratedRegex(@"Re-enqueued (\d+) accepted execution")]
    private static partial Regex RecoveredLines();
}
