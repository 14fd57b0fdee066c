using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;
using StackExchange.Redis;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Harness;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Options;
using Workflows.Service.Queue;
using Workflows.Service.Queue.Redis;
using Workflows.Service.Storage.Sqlite;

namespace Workflows.IntegrationTests.Queue;

/// <summary>
/// The store is the source of truth: executions the queue lost (Redis restarted empty, a failover, an enqueue that
/// failed after the insert) are enqueued again by the reconciler, and run exactly once to a terminal state.
/// Each test owns its redis-server, because some kill it.
/// </summary>
public sealed class ReconcilerTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _data = new();
    private RedisServerProcess _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private SqliteStore _store = null!;
    private readonly QueueOptions _queue = new() { ClaimIdleSeconds = 3 };

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServerProcess.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(Service.Hosting.RedisConnection.Configure(new RedisOptions { ConnectionString = _redis.ConnectionString }));
        _store = new SqliteStore(Path.Combine(_data.Path, "workflows.db"));
        await _store.InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private sealed class CountingObserver : IExecutionObserver
    {
        public int RecoveredCount;
        public void Finished(ExecutionStatus status) { }
        public void Recovered(int count) => Interlocked.Add(ref RecoveredCount, count);
    }

    private ExecutionReconciler Reconciler(string name, IExecutionObserver observer, int graceSeconds = 10, int batchSize = 1000, int maxCandidates = 10_000) => new(
        _store, _store, _connection, new RedisStreamQueue(_connection, MsOptions.Create(_queue)), new WorkerIdentity(name),
        MsOptions.Create(new ReconcilerOptions { QueuedGraceSeconds = graceSeconds, IntervalSeconds = 5, BatchSize = batchSize, MaxCandidatesPerPass = maxCandidates }), MsOptions.Create(_queue),
        observer, TimeProvider.System, NullLogger<ExecutionReconciler>.Instance);

    private async Task<List<string>> StreamIdsAsync() =>
        (await _connection.GetDatabase().StreamRangeAsync(_queue.StreamKey)).Select(e => (string)e[RedisStreamQueue.ExecutionIdField]!).ToList();

    [Fact]
    public async Task A_pass_enqueues_exactly_the_waiting_executions_the_stream_does_not_hold()
    {
        var old = DateTimeOffset.UtcNow.AddMinutes(-2);
        var lost = TestData.Execution("wf_1", old);                          // queued, stream lost it
        var held = TestData.Execution("wf_1", old);                          // queued, still in the stream
        var young = TestData.Execution("wf_1", DateTimeOffset.UtcNow);       // queued a moment ago: its XADD may be on its way
        var lapsed = TestData.Execution("wf_1", old);                        // running on a dead worker, entry lost
        var live = TestData.Execution("wf_1", old);                          // running on a live worker (valid lease)
        var done = TestData.Execution("wf_1", old) with { Status = ExecutionStatus.Succeeded };
        foreach (var e in new[] { lost, held, young, lapsed, live, done }) await _store.InsertAsync(e, Ct);
        var now = DateTimeOffset.UtcNow;
        await _store.TryStartAsync(lapsed.Id, "dead-worker", now.AddMinutes(-1), now.AddSeconds(-20), 3, Ct);
        await _store.TryStartAsync(live.Id, "live-worker", now, now.AddSeconds(40), 3, Ct);
        await _connection.GetDatabase().StreamAddAsync(_queue.StreamKey, RedisStreamQueue.ExecutionIdField, held.Id);

        var observer = new CountingObserver();
        var pass = await Reconciler("r1", observer).RunPassAsync(Ct);

        Assert.Equal(new ReconcilePass(true, 3, 1, 2), pass); // candidates: lost, held, lapsed; recovered: lost, lapsed
        Assert.Equal(2, observer.RecoveredCount);
        Assert.Equal(new[] { held.Id, lost.Id, lapsed.Id }.Order(), (await StreamIdsAsync()).Order());
        Assert.Equal(new ReconcilePass(true, 3, 3, 0), await Reconciler("r1", observer).RunPassAsync(Ct)); // idempotent
    }

    [Fact]
    public async Task Lost_executions_behind_a_long_backlog_the_stream_still_holds_are_found()
    {
        // A failover drops the newest writes: the older backlog is still in the stream, the newest entries are gone.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var backlog = Enumerable.Range(0, 7).Select(i => TestData.Execution("wf_1", t0.AddSeconds(i))).ToList();
        var lost = Enumerable.Range(0, 2).Select(i => TestData.Execution("wf_1", t0.AddSeconds(60 + i))).ToList();
        foreach (var e in backlog.Concat(lost)) await _store.InsertAsync(e, Ct);
        foreach (var e in backlog) await _connection.GetDatabase().StreamAddAsync(_queue.StreamKey, RedisStreamQueue.ExecutionIdField, e.Id);

        var pass = await Reconciler("r1", new CountingObserver(), batchSize: 3).RunPassAsync(Ct);

        Assert.Equal(new ReconcilePass(true, 9, 7, 2), pass);
        Assert.Equal(backlog.Concat(lost).Select(e => e.Id).Order(), (await StreamIdsAsync()).Order());
    }

    [Fact]
    public async Task A_pass_reads_the_stream_only_as_far_as_its_candidates_however_long_the_backlog()
    {
        // 2,500 executions waiting and all held: a pass checks the oldest 1,000 and stops reading the stream once it
        // has seen them (one XRANGE page), instead of reading the whole backlog every interval.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var backlog = Enumerable.Range(0, 2500).Select(i => TestData.Execution("wf_1", t0.AddMilliseconds(i))).ToList();
        await Task.WhenAll(backlog.Select(e => _store.InsertAsync(e, Ct)));
        var db = _connection.GetDatabase();
        await Task.WhenAll(backlog.Select(e => db.StreamAddAsync(_queue.StreamKey, RedisStreamQueue.ExecutionIdField, e.Id)));

        var pass = await Reconciler("r1", new CountingObserver(), batchSize: 500, maxCandidates: 1000).RunPassAsync(Ct);

        Assert.Equal(new ReconcilePass(true, 1000, 1000, 0), pass);
        Assert.False(pass.Continues);
    }

    [Fact]
    public async Task After_losses_in_a_full_set_of_candidates_the_next_passes_sweep_on_until_all_are_enqueued()
    {
        // Redis came back empty with 5 executions waiting, and a pass checks at most 2: the passes go on from where the
        // last stopped (Continues) until all 5 are back, then start again from the oldest.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var waiting = Enumerable.Range(0, 5).Select(i => TestData.Execution("wf_1", t0.AddSeconds(i))).ToList();
        foreach (var e in waiting) await _store.InsertAsync(e, Ct);
        var reconciler = Reconciler("r1", new CountingObserver(), batchSize: 2, maxCandidates: 2);

        var passes = new List<ReconcilePass>();
        do passes.Add(await reconciler.RunPassAsync(Ct)); while (passes[^1].Continues && passes.Count < 10);

        Assert.Equal([2, 2, 1], passes.Select(p => p.Recovered));
        Assert.Equal(waiting.Select(e => e.Id), await StreamIdsAsync()); // oldest first, each once
        var again = await reconciler.RunPassAsync(Ct);
        Assert.Equal(new ReconcilePass(true, 2, 5, 0), again); // the oldest two, held now (one XRANGE page read all 5)
    }

    [Fact]
    public async Task Only_the_lease_holder_reconciles()
    {
        var lost = TestData.Execution("wf_1", DateTimeOffset.UtcNow.AddMinutes(-2));
        await _store.InsertAsync(lost, Ct);

        Assert.True((await Reconciler("first", new CountingObserver()).RunPassAsync(Ct)).Leader);
        var second = await Reconciler("second", new CountingObserver()).RunPassAsync(Ct);
        Assert.Equal(ReconcilePass.NotLeader, second);
        Assert.Equal([lost.Id], await StreamIdsAsync());
    }

    [Fact]
    public async Task Executions_accepted_before_redis_restarts_empty_all_run_exactly_once()
    {
        var workflow = TestData.Workflow(waitMs: 20);
        await _store.InsertAsync(workflow, Ct);
        var dispatcher = new Core.Runtime.ExecutionDispatcher(_store, new RedisStreamQueue(_connection, MsOptions.Create(_queue)),
            new Core.Runtime.DispatchOptions { MaxBacklog = 1_000_000 }, TimeProvider.System);
        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
            ids.Add(((Core.Runtime.DispatchResult.Accepted)await dispatcher.DispatchAsync(workflow, new System.Text.Json.Nodes.JsonObject { ["n"] = i }, Ct)).Execution.Id);

        var settings = new Dictionary<string, string>
        {
            ["Workflows:Role"] = "worker",
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = _redis.ConnectionString,
            ["Storage:DataDirectory"] = _data.Path,
            ["Queue:Concurrency"] = "4",
            ["Queue:ClaimIdleSeconds"] = "3",
            ["Queue:PollIntervalMilliseconds"] = "200",
            ["Reconciler:IntervalSeconds"] = "1",
            ["Reconciler:QueuedGraceSeconds"] = "1",
        };
        await using var worker = await ServiceProcess.StartAsync(settings, _data.Path);
        await WaitAsync(async () => (await Executions(ids)).Count(e => e.Status.IsTerminal()) >= 30, TimeSpan.FromSeconds(30));

        // The node is replaced: Redis comes back with nothing, no stream, no group, no pending entries.
        await _redis.KillAsync();
        await Task.Delay(1000);
        await _redis.StartAgainAsync(keepData: false);
        var lostAtRestart = (await Executions(ids)).Count(e => !e.Status.IsTerminal());
        Assert.True(lostAtRestart > 100, $"only {lostAtRestart} were waiting: the drill proves little");

        var final = await WaitAsync(async () => await Executions(ids) is var all && all.All(e => e.Status.IsTerminal()) ? all : null, TimeSpan.FromSeconds(60));
        Assert.All(final, e => Assert.Equal(ExecutionStatus.Succeeded, e.Status));
        Assert.All(final, e => Assert.Equal(e.Input!["n"]!.GetValue<int>() * 2, e.Output!["doubled"]!.GetValue<double>()));
        Assert.Contains("Re-enqueued", worker.Log);
        Assert.DoesNotContain("Unhandled", worker.Log);
    }

    private async Task<List<Execution>> Executions(IEnumerable<string> ids)
    {
        var list = new List<Execution>();
        foreach (var id in ids) list.Add((await ((IExecutionStore)_store).GetAsync(id, Ct))!);
        return list;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in time");
            await Task.Delay(100);
        }
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> value, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await value() is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("not reached in time");
            await Task.Delay(200);
        }
    }
}
