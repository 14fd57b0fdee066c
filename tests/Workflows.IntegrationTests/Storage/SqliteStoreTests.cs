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

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
