using System.Text.Json;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;

namespace Workflows.IntegrationTests.Storage;

/// <summary>
/// The behaviour every store must have. Each implementation gets a subclass that only says how to make one;
/// the same tests then run against SQLite and MongoDB/DocumentDB.
/// </summary>
public abstract class StoreContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh, initialized, empty store.</summary>
    protected abstract Task<(IWorkflowStore Workflows, IExecutionStore Executions)> CreateStoreAsync();

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, WorkflowJson.Options);

    private static DateTimeOffset Ms(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    [Fact]
    public async Task A_workflow_round_trips_unchanged()
    {
        var (workflows, _) = await CreateStoreAsync();
        var workflow = TestData.Workflow(waitMs: 5) with { Settings = new WorkflowSettings { TimeoutSeconds = 9 } };
        await workflows.InsertAsync(workflow, Ct);
        Assert.Equal(Json(workflow), Json(await workflows.GetAsync(workflow.Id, Ct)));
        Assert.Null(await workflows.GetAsync("wf_missing", Ct));
    }

    [Fact]
    public async Task Inserting_an_existing_id_is_refused()
    {
        var (workflows, executions) = await CreateStoreAsync();
        var workflow = TestData.Workflow();
        await workflows.InsertAsync(workflow, Ct);
        await Assert.ThrowsAsync<DuplicateIdException>(() => workflows.InsertAsync(workflow, Ct));

        var execution = TestData.Execution(workflow.Id);
        await executions.InsertAsync(execution, Ct);
        await Assert.ThrowsAsync<DuplicateIdException>(() => executions.InsertAsync(execution, Ct));
    }

    [Fact]
    public async Task Updates_need_the_current_version()
    {
        var (workflows, _) = await CreateStoreAsync();
        var workflow = TestData.Workflow();
        await workflows.InsertAsync(workflow, Ct);

        var updated = await workflows.UpdateAsync(workflow with { Name = "renamed" }, expectedVersion: 1, Ct);
        Assert.Equal(2, updated!.Version);
        Assert.Equal("renamed", (await workflows.GetAsync(workflow.Id, Ct))!.Name);

        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => workflows.UpdateAsync(workflow with { Name = "stale" }, 1, Ct));
        Assert.Equal(2, conflict.Actual);
        Assert.Equal("renamed", (await workflows.GetAsync(workflow.Id, Ct))!.Name);

        Assert.Null(await workflows.UpdateAsync(TestData.Workflow(id: "wf_missing"), 1, Ct));
    }

    [Fact]
    public async Task Deleting_removes_once()
    {
        var (workflows, _) = await CreateStoreAsync();
        var workflow = TestData.Workflow();
        await workflows.InsertAsync(workflow, Ct);
        Assert.True(await workflows.DeleteAsync(workflow.Id, Ct));
        Assert.False(await workflows.DeleteAsync(workflow.Id, Ct));
        Assert.Null(await workflows.GetAsync(workflow.Id, Ct));
    }

    [Fact]
    public async Task Lists_are_newest_first_filtered_and_paged()
    {
        var (workflows, _) = await CreateStoreAsync();
        var t0 = Ms(DateTimeOffset.UtcNow.AddHours(-1));
        var items = new[]
        {
            TestData.Workflow("alpha-1", "alice", true, t0),
            TestData.Workflow("alpha-2", "bob", false, t0.AddMinutes(1)),
            TestData.Workflow("beta-1", "alice", true, t0.AddMinutes(2)),
            TestData.Workflow("alpha-3", "alice", true, t0.AddMinutes(3)),
        };
        foreach (var w in items) await workflows.InsertAsync(w, Ct);

        var all = await workflows.ListAsync(new WorkflowQuery(), Ct);
        Assert.Equal(["alpha-3", "beta-1", "alpha-2", "alpha-1"], all.Items.Select(w => w.Name));
        Assert.False(all.HasMore);

        Assert.Equal(["alpha-3", "beta-1", "alpha-1"], (await workflows.ListAsync(new WorkflowQuery(Owner: "alice"), Ct)).Items.Select(w => w.Name));
        Assert.Equal(["alpha-2"], (await workflows.ListAsync(new WorkflowQuery(Active: false), Ct)).Items.Select(w => w.Name));
        Assert.Equal(["alpha-3", "alpha-1"], (await workflows.ListAsync(new WorkflowQuery(Active: true, NamePrefix: "alpha"), Ct)).Items.Select(w => w.Name));

        var first = await workflows.ListAsync(new WorkflowQuery(Page: new PageRequest(2, 0)), Ct);
        var second = await workflows.ListAsync(new WorkflowQuery(Page: new PageRequest(2, 2)), Ct);
        Assert.Equal(["alpha-3", "beta-1"], first.Items.Select(w => w.Name));
        Assert.True(first.HasMore);
        Assert.Equal(["alpha-2", "alpha-1"], second.Items.Select(w => w.Name));
        Assert.False(second.HasMore);
    }

    private static Execution Started(StartAttempt attempt) => Assert.IsType<StartAttempt.Started>(attempt).Execution;

    [Fact]
    public async Task Starting_counts_attempts_and_stops_at_a_terminal_state()
    {
        var (_, executions) = await CreateStoreAsync();
        var execution = TestData.Execution("wf_1");
        await executions.InsertAsync(execution, Ct);
        Assert.Equal(Json(execution), Json(await executions.GetAsync(execution.Id, Ct)));

        var now = Ms(DateTimeOffset.UtcNow);
        var first = Started(await executions.TryStartAsync(execution.Id, "w1", now, now, 3, Ct)); // a lease that ends at once
        Assert.Equal((ExecutionStatus.Running, 1, "w1"), (first.Status, first.Attempts, first.Worker));
        var second = Started(await executions.TryStartAsync(execution.Id, "w2", now.AddMilliseconds(1), now.AddMinutes(1), 3, Ct));
        Assert.Equal(2, second.Attempts);

        Assert.True(await executions.TryCompleteAsync(second with { Status = ExecutionStatus.Succeeded, FinishedAt = now }, Ct));
        Assert.IsType<StartAttempt.Finished>(await executions.TryStartAsync(execution.Id, "w3", now, now, 3, Ct));
        Assert.IsType<StartAttempt.Finished>(await executions.TryStartAsync("ex_missing", "w3", now, now, 3, Ct));
        Assert.Equal(ExecutionStatus.Succeeded, (await executions.GetAsync(execution.Id, Ct))!.Status);
    }

    [Fact]
    public async Task Of_many_workers_starting_one_execution_at_once_exactly_one_gets_it()
    {
        // The SQLite store decides on a row read outside its write queue and writes only if the row is unchanged:
        // racing starts must still give one Started, the others Leased to it, and one attempt counted.
        var (_, executions) = await CreateStoreAsync();
        for (var round = 0; round < 5; round++)
        {
            var execution = TestData.Execution("wf_1");
            await executions.InsertAsync(execution, Ct);
            var now = Ms(DateTimeOffset.UtcNow);
            var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(w =>
                Task.Run(() => executions.TryStartAsync(execution.Id, $"w{w}", now, now.AddMinutes(1), 3, Ct), Ct)));
            var winner = Assert.Single(attempts.OfType<StartAttempt.Started>()).Execution;
            Assert.All(attempts.Where(a => a is not StartAttempt.Started), a => Assert.Equal(winner.Worker, Assert.IsType<StartAttempt.Leased>(a).Worker));
            var stored = (await executions.GetAsync(execution.Id, Ct))!;
            Assert.Equal((ExecutionStatus.Running, 1, winner.Worker), (stored.Status, stored.Attempts, stored.Worker));
        }
    }

    [Fact]
    public async Task A_live_lease_keeps_other_workers_out_until_it_lapses_or_is_released()
    {
        var (_, executions) = await CreateStoreAsync();
        var execution = TestData.Execution("wf_1");
        await executions.InsertAsync(execution, Ct);
        var t0 = Ms(DateTimeOffset.UtcNow);

        Started(await executions.TryStartAsync(execution.Id, "w1", t0, t0.AddSeconds(40), 3, Ct));
        var refused = Assert.IsType<StartAttempt.Leased>(await executions.TryStartAsync(execution.Id, "w2", t0.AddSeconds(10), t0.AddSeconds(50), 3, Ct));
        Assert.Equal(("w1", t0.AddSeconds(40)), (refused.Worker, refused.Until));

        // The heartbeat moves the lease on; another worker's renewal changes nothing.
        await executions.RenewLeasesAsync("w1", [execution.Id], t0.AddSeconds(70), Ct);
        await executions.RenewLeasesAsync("w2", [execution.Id], t0.AddSeconds(500), Ct);
        Assert.IsType<StartAttempt.Leased>(await executions.TryStartAsync(execution.Id, "w2", t0.AddSeconds(60), t0.AddSeconds(100), 3, Ct));
        Assert.Equal(1, (await executions.GetAsync(execution.Id, Ct))!.Attempts);

        // Lapsed: the next worker takes it over as a new attempt.
        var takeover = Started(await executions.TryStartAsync(execution.Id, "w2", t0.AddSeconds(71), t0.AddSeconds(111), 3, Ct));
        Assert.Equal((2, "w2"), (takeover.Attempts, takeover.Worker));

        // Released (a drain that ran out of time): free at once.
        await executions.RenewLeasesAsync("w2", [execution.Id], t0.AddSeconds(72), Ct);
        Assert.Equal(3, Started(await executions.TryStartAsync(execution.Id, "w3", t0.AddSeconds(73), t0.AddSeconds(113), 5, Ct)).Attempts);
    }

    [Fact]
    public async Task Starting_past_the_attempt_limit_is_answered_as_exhausted_unless_leased()
    {
        var (_, executions) = await CreateStoreAsync();
        var execution = TestData.Execution("wf_1");
        await executions.InsertAsync(execution, Ct);
        var t0 = Ms(DateTimeOffset.UtcNow);
        Started(await executions.TryStartAsync(execution.Id, "w1", t0, t0.AddSeconds(40), 1, Ct));

        // Its last attempt is still running on w1: a second delivery must not fail it.
        Assert.IsType<StartAttempt.Leased>(await executions.TryStartAsync(execution.Id, "w2", t0.AddSeconds(1), t0.AddSeconds(41), 1, Ct));
        var exhausted = Assert.IsType<StartAttempt.Exhausted>(await executions.TryStartAsync(execution.Id, "w2", t0.AddSeconds(41), t0.AddSeconds(81), 1, Ct));
        Assert.Equal((ExecutionStatus.Running, 1), (exhausted.Execution.Status, exhausted.Execution.Attempts));
    }

    [Fact]
    public async Task Recoverable_executions_are_old_queued_ones_and_running_ones_with_a_lapsed_lease()
    {
        var (_, executions) = await CreateStoreAsync();
        var now = Ms(DateTimeOffset.UtcNow);
        var oldQueued = TestData.Execution("wf_1", now.AddMinutes(-5));
        var youngQueued = TestData.Execution("wf_1", now.AddSeconds(-2));
        var liveRunning = TestData.Execution("wf_1", now.AddMinutes(-4));
        var lapsedRunning = TestData.Execution("wf_1", now.AddMinutes(-3));
        var finished = TestData.Execution("wf_1", now.AddMinutes(-6));
        foreach (var e in new[] { oldQueued, youngQueued, liveRunning, lapsedRunning, finished }) await executions.InsertAsync(e, Ct);
        Started(await executions.TryStartAsync(liveRunning.Id, "w1", now.AddMinutes(-1), now.AddSeconds(30), 3, Ct));
        Started(await executions.TryStartAsync(lapsedRunning.Id, "w2", now.AddMinutes(-2), now.AddSeconds(-1), 3, Ct));
        await executions.TryCompleteAsync(finished with { Status = ExecutionStatus.Succeeded }, Ct);

        var recoverable = await executions.ListRecoverableAsync(now.AddSeconds(-10), now, null, 100, Ct);
        Assert.Equal([oldQueued.Id, lapsedRunning.Id], recoverable.Select(r => r.Id)); // oldest first
        Assert.Equal(oldQueued.QueuedAt, recoverable[0].QueuedAt);

        // Keyset paging: one at a time, each page after the last one's (queuedAt, id).
        var firstPage = await executions.ListRecoverableAsync(now.AddSeconds(-10), now, null, 1, Ct);
        Assert.Equal([oldQueued.Id], firstPage.Select(r => r.Id));
        var secondPage = await executions.ListRecoverableAsync(now.AddSeconds(-10), now, firstPage[^1], 1, Ct);
        Assert.Equal([lapsedRunning.Id], secondPage.Select(r => r.Id));
        Assert.Empty(await executions.ListRecoverableAsync(now.AddSeconds(-10), now, secondPage[^1], 1, Ct));
    }

    [Fact]
    public async Task Paging_through_recoverable_executions_with_equal_times_misses_none()
    {
        var (_, executions) = await CreateStoreAsync();
        var t = Ms(DateTimeOffset.UtcNow.AddMinutes(-5));
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var e = TestData.Execution("wf_1", t); // one millisecond for all: only the id orders them
            await executions.InsertAsync(e, Ct);
            ids.Add(e.Id);
        }
        var seen = new List<string>();
        RecoverableExecution? after = null;
        while (await executions.ListRecoverableAsync(t.AddSeconds(1), t, after, 3, Ct) is { Count: > 0 } page)
        {
            seen.AddRange(page.Select(p => p.Id));
            after = page[^1];
        }
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task A_named_lease_has_one_holder_until_it_expires()
    {
        var (_, executions) = await CreateStoreAsync();
        var leases = Assert.IsAssignableFrom<ILeaseStore>(executions); // one object per store implements both ports
        var t0 = Ms(DateTimeOffset.UtcNow);

        Assert.True(await leases.TryAcquireAsync("job", "a", t0, t0.AddSeconds(30), Ct));
        Assert.False(await leases.TryAcquireAsync("job", "b", t0.AddSeconds(1), t0.AddSeconds(31), Ct));
        Assert.True(await leases.TryAcquireAsync("job", "a", t0.AddSeconds(10), t0.AddSeconds(40), Ct)); // renewal
        Assert.True(await leases.TryAcquireAsync("other", "b", t0.AddSeconds(10), t0.AddSeconds(40), Ct));
        Assert.False(await leases.TryAcquireAsync("job", "b", t0.AddSeconds(39), t0.AddSeconds(69), Ct));
        Assert.True(await leases.TryAcquireAsync("job", "b", t0.AddSeconds(41), t0.AddSeconds(71), Ct)); // expired: handed over
        Assert.False(await leases.TryAcquireAsync("job", "a", t0.AddSeconds(42), t0.AddSeconds(72), Ct));
    }

    [Fact]
    public async Task Only_one_terminal_state_is_ever_written()
    {
        var (_, executions) = await CreateStoreAsync();
        var execution = TestData.Execution("wf_1");
        await executions.InsertAsync(execution, Ct);

        var statuses = new[] { ExecutionStatus.Succeeded, ExecutionStatus.Failed, ExecutionStatus.Canceled, ExecutionStatus.TimedOut };
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            executions.TryCompleteAsync(execution with { Status = statuses[i % 4], Worker = $"w{i}" }, Ct)));

        Assert.Single(results, r => r);
        var winner = Array.IndexOf(results, true);
        var stored = await executions.GetAsync(execution.Id, Ct);
        Assert.Equal((statuses[winner % 4], $"w{winner}"), (stored!.Status, stored.Worker));
    }

    [Fact]
    public async Task Executions_list_newest_first_and_unfinished_ones_are_found()
    {
        var (_, executions) = await CreateStoreAsync();
        var t0 = Ms(DateTimeOffset.UtcNow.AddMinutes(-10));
        var items = Enumerable.Range(0, 5).Select(i => TestData.Execution("wf_a", t0.AddSeconds(i))).ToList();
        foreach (var e in items) await executions.InsertAsync(e, Ct);
        await executions.InsertAsync(TestData.Execution("wf_other", t0), Ct);
        await executions.TryStartAsync(items[1].Id, "w", t0, t0, 3, Ct);
        await executions.TryCompleteAsync(items[0] with { Status = ExecutionStatus.Failed }, Ct);

        var page = await executions.ListByWorkflowAsync("wf_a", new PageRequest(3, 0), Ct);
        Assert.Equal([items[4].Id, items[3].Id, items[2].Id], page.Items.Select(e => e.Id));
        Assert.True(page.HasMore);
        Assert.Equal([items[1].Id, items[0].Id], (await executions.ListByWorkflowAsync("wf_a", new PageRequest(3, 3), Ct)).Items.Select(e => e.Id));

        var unfinished = await executions.ListUnfinishedIdsAsync(100, Ct);
        Assert.DoesNotContain(items[0].Id, unfinished);
        Assert.Contains(items[1].Id, unfinished);
        Assert.Equal(5, unfinished.Count);

        Assert.True(await executions.DeleteAsync(items[4].Id, Ct));
        Assert.Null(await executions.GetAsync(items[4].Id, Ct));
    }
}
