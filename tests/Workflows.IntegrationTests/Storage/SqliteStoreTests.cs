using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Storage.Sqlite;

namespace Workflows.IntegrationTests.Storage;

public sealed class SqliteStoreTests : StoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override async Task<(IWorkflowStore, IExecutionStore)> CreateStoreAsync()
    {
        var store = new SqliteStore(Path.Combine(_dir.Path, "store.db"));
        await store.InitializeAsync(Ct);
        await store.InitializeAsync(Ct); // start-up is idempotent
        return (store, store);
    }

    [Fact]
    public async Task A_database_from_before_leases_gains_the_lease_columns_and_keeps_its_executions()
    {
        var path = Path.Combine(_dir.Path, "old.db");
        await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await db.OpenAsync(Ct);
            await using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE executions (id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, status TEXT NOT NULL, queued_at INTEGER NOT NULL,
                    started_at INTEGER, finished_at INTEGER, document TEXT NOT NULL);
                INSERT INTO executions VALUES ('ex_old', 'wf_1', 'running', 0, 1, NULL,
                    '{"id":"ex_old","workflowId":"wf_1","status":"running","queuedAt":"1970-01-01T00:00:00+00:00","attempts":1}');
                """;
            await cmd.ExecuteNonQueryAsync(Ct);
        }
        var store = new SqliteStore(path);
        await store.InitializeAsync(Ct);

        // A running execution without a lease (started by the old version) counts as lapsed: it can be recovered and taken over.
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(["ex_old"], (await store.ListRecoverableAsync(now, now, null, 10, Ct)).Select(r => r.Id));
        var started = Assert.IsType<StartAttempt.Started>(await store.TryStartAsync("ex_old", "w", now, now.AddSeconds(40), 3, Ct));
        Assert.Equal(2, started.Execution.Attempts);
    }

    [Fact]
    public async Task A_write_waits_for_another_process_holding_the_lock_and_then_succeeds()
    {
        var path = Path.Combine(_dir.Path, "shared.db");
        var store = new SqliteStore(path);
        await store.InitializeAsync(Ct);
        // Another process's writer: its own connection (not this store's gate) holding the write lock for 600 ms.
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false");
        await other.OpenAsync(Ct);
        await using (var begin = other.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE"; await begin.ExecuteNonQueryAsync(Ct); }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var release = Task.Run(async () =>
        {
            await Task.Delay(600, Ct);
            await using var commit = other.CreateCommand();
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync(Ct);
        }, Ct);

        var workflow = TestData.Workflow();
        await store.InsertAsync(workflow, Ct); // waits on the busy handler instead of failing with SQLITE_BUSY
        await release;
        Assert.True(clock.ElapsedMilliseconds >= 550, $"the insert returned after {clock.ElapsedMilliseconds} ms, while the lock was held");
        Assert.NotNull(await store.GetAsync(workflow.Id, Ct));
    }

    [Fact]
    public async Task Concurrent_writes_share_transactions_but_a_failing_one_fails_alone()
    {
        var store = new SqliteStore(Path.Combine(_dir.Path, "group.db"));
        await store.InitializeAsync(Ct);
        var existing = TestData.Execution("wf_1");
        await store.InsertAsync(existing, Ct);

        // 300 inserts at once (batched by the group commit), every 10th a duplicate of a stored id.
        var executions = Enumerable.Range(0, 300).Select(i => i % 10 == 0 ? existing : TestData.Execution("wf_1")).ToList();
        var results = await Task.WhenAll(executions.Select(async e =>
        {
            try { await store.InsertAsync(e, Ct); return "stored"; }
            catch (Workflows.Core.Ports.DuplicateIdException) { return "duplicate"; }
        }));

        Assert.Equal(30, results.Count(r => r == "duplicate"));
        Assert.Equal(270, results.Count(r => r == "stored"));
        foreach (var e in executions.Where(e => e != existing))
            Assert.NotNull(await ((IExecutionStore)store).GetAsync(e.Id, Ct));
    }

    [Fact]
    public async Task Prepared_statements_bind_each_write_s_own_values_nulls_included()
    {
        // The group commit reuses one prepared command per statement: a NULL bound once must not stick to the next write.
        var path = Path.Combine(_dir.Path, "bind.db");
        var store = new SqliteStore(path);
        await store.InitializeAsync(Ct);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var finished = TestData.Execution("wf_1");
        var waiting = TestData.Execution("wf_1");
        foreach (var e in new[] { finished, waiting }) await store.InsertAsync(e, Ct);
        Assert.IsType<StartAttempt.Started>(await store.TryStartAsync(finished.Id, "w", now, now.AddSeconds(30), 3, Ct));
        var started = (await ((IExecutionStore)store).GetAsync(finished.Id, Ct))!;
        Assert.True(await store.TryCompleteAsync(started with { Status = Workflows.Core.Domain.ExecutionStatus.Succeeded, FinishedAt = now.AddSeconds(1) }, Ct));
        var another = TestData.Execution("wf_1");
        await store.InsertAsync(another, Ct); // the INSERT again, after values of other types went through other statements

        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await db.OpenAsync(Ct);
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT id, status, started_at, finished_at, lease_owner FROM executions ORDER BY id";
        var rows = new Dictionary<string, (string Status, long? Started, long? Finished, string? Owner)>();
        await using (var reader = await cmd.ExecuteReaderAsync(Ct))
            while (await reader.ReadAsync(Ct))
                rows[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4));

        Assert.Equal(("succeeded", now.ToUnixTimeMilliseconds(), now.AddSeconds(1).ToUnixTimeMilliseconds(), "w"), rows[finished.Id]);
        Assert.Equal(("queued", (long?)null, (long?)null, (string?)null), rows[waiting.Id]);
        Assert.Equal(("queued", (long?)null, (long?)null, (string?)null), rows[another.Id]);
    }

    [Fact]
    public async Task Statements_past_the_prepared_bound_run_once_and_the_prepared_ones_keep_working()
    {
        // Lease renewals have one statement text per count of ids: 80 counts pass the group commit's bound of 64.
        var store = new SqliteStore(Path.Combine(_dir.Path, "prepared.db"));
        await store.InitializeAsync(Ct);
        var now = DateTimeOffset.UtcNow;
        var ids = new List<string>();
        for (var i = 0; i < 80; i++)
        {
            var execution = TestData.Execution("wf_1");
            await store.InsertAsync(execution, Ct);
            Assert.IsType<StartAttempt.Started>(await store.TryStartAsync(execution.Id, "w", now, now.AddSeconds(1), 3, Ct));
            ids.Add(execution.Id);
        }
        Assert.True(WriteSession.MaxPrepared < ids.Count);
        for (var n = 1; n <= ids.Count; n++) await store.RenewLeasesAsync("w", ids.Take(n).ToList(), now.AddHours(1), Ct);

        Assert.Empty(await store.ListRecoverableAsync(now, now.AddSeconds(2), null, 100, Ct)); // every lease was renewed
        var late = TestData.Execution("wf_1");
        await store.InsertAsync(late, Ct); // the prepared INSERT still works after the one-off statements
        Assert.NotNull(await ((IExecutionStore)store).GetAsync(late.Id, Ct));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
