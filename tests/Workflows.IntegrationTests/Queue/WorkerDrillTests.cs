using StackExchange.Redis;
using Workflows.Core.Domain;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Harness;

namespace Workflows.IntegrationTests.Queue;

/// <summary>
/// Worker processes against a real redis-server: a SIGKILL part-way through loses nothing, and SIGTERM drains
/// in-flight work within the grace period or leaves it to be reclaimed.
/// </summary>
public sealed class WorkerDrillTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task A_worker_killed_mid_run_loses_no_execution()
    {
        await using var harness = await QueueHarness.CreateAsync(redis);
        var workflow = await harness.CreateWorkflowAsync(waitMs: 50);
        var ids = await harness.EnqueueAsync(workflow, 300);

        var first = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 4, graceSeconds: 0), harness.Data.Path);
        var atKill = await harness.WaitUntilAsync(ids, e => e.Count(x => x.Status.IsTerminal()) >= 60, TimeSpan.FromSeconds(60));
        await first.KillAsync();
        var inFlightAtKill = (await harness.ExecutionsAsync(ids)).Where(e => e.Status == ExecutionStatus.Running).Select(e => e.Id).ToList();
        var doneAtKill = atKill.Count(x => x.Status.IsTerminal());
        Assert.True(doneAtKill < 300, "the kill came after the work was done; the drill proves nothing");
        Assert.NotEmpty(inFlightAtKill);

        await using var second = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 4, graceSeconds: 0), harness.Data.Path);
        var final = await harness.WaitUntilAsync(ids, e => e.All(x => x.Status.IsTerminal()), TimeSpan.FromSeconds(120));

        Assert.All(final, e => Assert.Equal(ExecutionStatus.Succeeded, e.Status));
        Assert.Equal(300, final.Select(e => e.Id).Distinct().Count());
        Assert.All(final, e => Assert.Equal(e.Input!["n"]!.GetValue<int>() * 2, e.Output!["doubled"]!.GetValue<double>()));
        // The executions the dead worker had started ran once more on the second worker, and only those.
        Assert.All(final.Where(e => inFlightAtKill.Contains(e.Id)), e => Assert.Equal(2, e.Attempts));
        Assert.All(final.Where(e => !inFlightAtKill.Contains(e.Id)), e => Assert.Equal(1, e.Attempts));
        Assert.Equal((0L, 0L, 0L), await harness.SettledStreamStateAsync());
    }

    [Fact]
    public async Task Sigterm_finishes_in_flight_work_within_the_grace_period_and_takes_no_more()
    {
        await using var harness = await QueueHarness.CreateAsync(redis);
        var workflow = await harness.CreateWorkflowAsync(waitMs: 1500);
        var ids = await harness.EnqueueAsync(workflow, 6);

        await using var worker = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 2, graceSeconds: 20), harness.Data.Path);
        await harness.WaitUntilAsync(ids, e => e.Count(x => x.Status == ExecutionStatus.Running) == 2, TimeSpan.FromSeconds(20));
        var running = (await harness.ExecutionsAsync(ids)).Where(e => e.Status == ExecutionStatus.Running).Select(e => e.Id).ToList();

        var took = await worker.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, worker.ExitCode);
        Assert.True(took < TimeSpan.FromSeconds(15), $"shutdown took {took}");

        var after = await harness.ExecutionsAsync(ids);
        Assert.All(after.Where(e => running.Contains(e.Id)), e => Assert.Equal(ExecutionStatus.Succeeded, e.Status));
        // Shutdown stops intake: at most the two in-flight plus a batch read in the same instant finished.
        Assert.True(after.Count(e => e.Status == ExecutionStatus.Queued) >= 2, string.Join(",", after.Select(e => e.Status)));
        Assert.Contains("stopping", worker.Log);
    }

    [Fact]
    public async Task Read_ahead_entries_are_held_fresh_and_handed_back_at_once_when_the_worker_stops()
    {
        await using var harness = await QueueHarness.CreateAsync(redis);
        var workflow = await harness.CreateWorkflowAsync(waitMs: 1500);
        var ids = await harness.EnqueueAsync(workflow, 4);

        // One slot, read-ahead of 8: one runs, three wait in the worker, all four pending for it in the stream.
        await using var first = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 1, graceSeconds: 20), harness.Data.Path);
        await harness.WaitUntilAsync(ids, e => e.Count(x => x.Status == ExecutionStatus.Running) == 1, TimeSpan.FromSeconds(20));
        Assert.Equal(4, (await harness.StreamStateAsync()).Pending);

        await first.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Log}");
        Assert.Contains("Handed back 3 read-ahead entries", first.Log);
        var pending = await harness.Db.StreamPendingMessagesAsync(harness.Options.StreamKey, harness.Options.ConsumerGroup, 10, RedisValue.Null);
        Assert.Equal(3, pending.Length);
        // Idle past the claim time already: another worker's first reclaim takes them, no waiting out ClaimIdleSeconds.
        Assert.All(pending, p => Assert.True(p.IdleTimeInMilliseconds >= harness.Options.ClaimIdleSeconds * 1000, $"idle {p.IdleTimeInMilliseconds} ms"));

        await using var second = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 4, graceSeconds: 1), harness.Data.Path);
        var final = await harness.WaitUntilAsync(ids, e => e.All(x => x.Status.IsTerminal()), TimeSpan.FromSeconds(30));
        Assert.All(final, e => Assert.Equal((ExecutionStatus.Succeeded, 1), (e.Status, e.Attempts)));
        Assert.Equal((0L, 0L, 0L), await harness.SettledStreamStateAsync());
    }

    [Fact]
    public async Task Work_left_by_an_expired_grace_period_is_reclaimed_by_another_worker()
    {
        await using var harness = await QueueHarness.CreateAsync(redis);
        var workflow = await harness.CreateWorkflowAsync(waitMs: 4000);
        var ids = await harness.EnqueueAsync(workflow, 2);

        var first = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 2, graceSeconds: 1), harness.Data.Path);
        await harness.WaitUntilAsync(ids, e => e.All(x => x.Status == ExecutionStatus.Running), TimeSpan.FromSeconds(20));
        await first.TerminateAsync(TimeSpan.FromSeconds(20));
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Log}");

        var interrupted = await harness.ExecutionsAsync(ids);
        Assert.True(interrupted.All(e => e.Status == ExecutionStatus.Running),
            $"after SIGTERM: {string.Join(", ", interrupted.Select(e => e.Status))}\n{first.Log}");
        Assert.Equal(2, (await harness.StreamStateAsync()).Pending);

        await first.DisposeAsync();
        await using var second = await ServiceProcess.StartAsync(harness.WorkerSettings(concurrency: 2, graceSeconds: 1), harness.Data.Path);
        var final = await harness.WaitUntilAsync(ids, e => e.All(x => x.Status.IsTerminal()), TimeSpan.FromSeconds(40));
        Assert.All(final, e => Assert.Equal((ExecutionStatus.Succeeded, 2), (e.Status, e.Attempts)));
        Assert.Equal((0L, 0L, 0L), await harness.SettledStreamStateAsync());
    }
}
