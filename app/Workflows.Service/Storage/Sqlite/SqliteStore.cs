using Microsoft.Data.Sqlite;
using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode (readers never wait for the writer). SQLite has one writer at a
/// time, and Microsoft.Data.Sqlite waits for a busy lock by sleeping on a thread-pool thread; so writes from this
/// process queue on an async gate instead, and only writers in other processes (an API and a worker sharing the
/// file) ever meet a busy lock. Writes that read first run in IMMEDIATE transactions. Timestamps are Unix ms.
/// </summary>
public sealed class SqliteStore : IWorkflowStore, IExecutionStore, ILeaseStore, IStoreHealth, IStoreInitializer, IDisposable
{
    private readonly string databasePath;

    public SqliteStore(string databasePath)
    {
        this.databasePath = databasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writes = new GroupCommit(OpenForWritingAsync);
    }

    private readonly GroupCommit _writes;

    private readonly string _connectionString;

    public async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        await using var db = await OpenAsync(ct);
        await ExecuteAsync(db, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS workflows (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, active INTEGER NOT NULL,
                version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, document TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_workflows_owner_created ON workflows (owner, created_at DESC);
            CREATE INDEX IF NOT EXISTS ix_workflows_active_name ON workflows (active, name);
            CREATE INDEX IF NOT EXISTS ix_workflows_created ON workflows (created_at DESC);
            CREATE TABLE IF NOT EXISTS executions (
                id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, status TEXT NOT NULL, queued_at INTEGER NOT NULL,
                started_at INTEGER, finished_at INTEGER, document TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_executions_workflow_queued ON executions (workflow_id, queued_at DESC);
            CREATE INDEX IF NOT EXISTS ix_executions_status_finished ON executions (status, finished_at DESC);
            CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
            """, ct);
        // Worker leases (added after the first release: older files get the columns here).
        if (!await HasColumnAsync(db, "executions", "lease_expires_at", ct))
            await ExecuteAsync(db, "ALTER TABLE executions ADD COLUMN lease_owner TEXT; ALTER TABLE executions ADD COLUMN lease_expires_at INTEGER;", ct);
        // The reconciler's two questions: queued for long, running with a lapsed lease.
        await ExecuteAsync(db, """
            CREATE INDEX IF NOT EXISTS ix_executions_status_queued ON executions (status, queued_at);
            CREATE INDEX IF NOT EXISTS ix_executions_status_lease ON executions (status, lease_expires_at);
            """, ct);
    }

    private static async Task<bool> HasColumnAsync(SqliteConnection db, string table, string column, CancellationToken ct)
    {
        await using var cmd = Command(db, "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column", ("$table", table), ("$column", column));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct)) > 0;
    }

    public async Task PingAsync(CancellationToken ct)
    {
        await using var db = await OpenAsync(ct);
        await ExecuteAsync(db, "SELECT 1", ct);
    }

    // ---- workflows ----

    public Task InsertAsync(Workflow workflow, CancellationToken ct) => _writes.RunAsync(async (db, ct) =>
    {
        try
        {
            return await db.ExecuteAsync("""
                INSERT INTO workflows (id, name, owner, active, version, created_at, updated_at, document)
                VALUES ($id, $name, $owner, $active, $version, $created, $updated, $doc)
                """, ct, WorkflowParameters(workflow));
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == 1555) // SQLITE_CONSTRAINT_PRIMARYKEY
        {
            throw new DuplicateIdException(workflow.Id);
        }
    }, ct);

    public async Task<Workflow?> GetAsync(string id, CancellationToken ct)
    {
        await using var db = await OpenAsync(ct);
        return await ReadOneAsync<Workflow>(db, "SELECT document FROM workflows WHERE id = $id", ct, ("$id", id));
    }

    public Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct) => _writes.RunAsync<Workflow?>(async (db, ct) =>
    {
        var stored = workflow with { Version = expectedVersion + 1 };
        var changed = await db.ExecuteAsync("""
            UPDATE workflows SET name = $name, owner = $owner, active = $active, version = $version,
                updated_at = $updated, document = $doc
            WHERE id = $id AND version = $expected
            """, ct, [.. WorkflowParameters(stored), ("$expected", expectedVersion)]);
        if (changed == 1) return stored;

        var current = await db.ReadOneAsync<Workflow>("SELECT document FROM workflows WHERE id = $id", ct, ("$id", workflow.Id));
        return current is null ? null : throw new VersionConflictException(workflow.Id, expectedVersion, current.Version);
    }, ct);

    Task<bool> IWorkflowStore.DeleteAsync(string id, CancellationToken ct) =>
        _writes.RunAsync(async (db, ct) => await db.ExecuteAsync("DELETE FROM workflows WHERE id = $id", ct, ("$id", id)) == 1, ct);

    public async Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct)
    {
        var where = new List<string>();
        var args = new List<(string, object?)>();
        if (query.Active is { } active) { where.Add("active = $active"); args.Add(("$active", active ? 1 : 0)); }
        if (query.Owner is { } owner) { where.Add("owner = $owner"); args.Add(("$owner", owner)); }
        if (query.NamePrefix is { } prefix)
        {
            // Range on name instead of LIKE: case-sensitive and index-friendly.
            where.Add("name >= $prefix AND name < $prefixEnd");
            args.Add(("$prefix", prefix));
            args.Add(("$prefixEnd", WorkflowQuery.PrefixUpperBound(prefix)));
        }
        var page = query.Paging;
        args.Add(("$limit", page.Limit + 1));
        args.Add(("$offset", page.Offset));
        var sql = "SELECT document FROM workflows" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY created_at DESC, id DESC LIMIT $limit OFFSET $offset";

        await using var db = await OpenAsync(ct);
        return Page<Workflow>.FromOverfetch(await ReadManyAsync<Workflow>(db, sql, ct, [.. args]), page);
    }

    // ---- executions ----

    public Task InsertAsync(Execution execution, CancellationToken ct) => _writes.RunAsync(async (db, ct) =>
    {
        try
        {
            return await db.ExecuteAsync("""
                INSERT INTO executions (id, workflow_id, status, queued_at, started_at, finished_at, document)
                VALUES ($id, $workflow, $status, $queued, $started, $finished, $doc)
                """, ct, ExecutionParameters(execution));
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == 1555)
        {
            throw new DuplicateIdException(execution.Id);
        }
    }, ct);

    async Task<Execution?> IExecutionStore.GetAsync(string id, CancellationToken ct)
    {
        await using var db = await OpenAsync(ct);
        return await ReadOneAsync<Execution>(db, "SELECT document FROM executions WHERE id = $id", ct, ("$id", id));
    }

    // Read, check, write: inside the group commit's IMMEDIATE transaction, so no other writer interleaves.
    public Task<StartAttempt> TryStartAsync(string id, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, int maxAttempts, CancellationToken ct) =>
        _writes.RunAsync<StartAttempt>(async (db, ct) =>
    {
        var read = db.Command("SELECT document, lease_owner, lease_expires_at FROM executions WHERE id = $id", ("$id", id));
        Execution? current = null;
        string? owner = null;
        long? expires = null;
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                current = StoredDocuments.Deserialize<Execution>(reader.GetString(0));
                owner = reader.IsDBNull(1) ? null : reader.GetString(1);
                expires = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            }
        }
        if (current is null || current.Status.IsTerminal()) return new StartAttempt.Finished();
        if (current.Status == ExecutionStatus.Running && owner is not null && expires is { } until && until > now.ToUnixTimeMilliseconds())
            return new StartAttempt.Leased(owner, DateTimeOffset.FromUnixTimeMilliseconds(until));
        if (current.Attempts >= maxAttempts) return new StartAttempt.Exhausted(current);

        var next = current with { Status = ExecutionStatus.Running, StartedAt = now, Attempts = current.Attempts + 1, Worker = worker };
        var write = db.Command("""
            UPDATE executions SET status = $status, started_at = $started, finished_at = $finished, document = $doc,
                lease_owner = $owner, lease_expires_at = $until
            WHERE id = $id
            """, [.. ExecutionParameters(next), ("$owner", worker), ("$until", leaseUntil.ToUnixTimeMilliseconds())]);
        await write.ExecuteNonQueryAsync(ct);
        return new StartAttempt.Started(next);
    }, ct);

    public async Task RenewLeasesAsync(string worker, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        var names = ids.Select((_, i) => "$i" + i).ToArray();
        await _writes.RunAsync((db, ct) => db.ExecuteAsync($"""
            UPDATE executions SET lease_expires_at = $until
            WHERE status = 'running' AND lease_owner = $owner AND id IN ({string.Join(", ", names)})
            """, ct, [("$until", leaseUntil.ToUnixTimeMilliseconds()), ("$owner", worker), .. ids.Select((id, i) => (names[i], (object?)id))]), ct);
    }

    public async Task<IReadOnlyList<RecoverableExecution>> ListRecoverableAsync(DateTimeOffset queuedBefore, DateTimeOffset now, RecoverableExecution? after, int limit, CancellationToken ct)
    {
        // Two index range scans, (status, queued_at) and (status, lease_expires_at), merged in (queued_at, id) order
        // after the cursor. Running executions are few (at most the workers' slots), so their scan stays short.
        await using var db = await OpenAsync(ct);
        await using var cmd = Command(db, """
            SELECT id, queued_at FROM (
                SELECT id, queued_at FROM executions WHERE status = 'queued' AND queued_at < $cutoff
                UNION ALL
                SELECT id, queued_at FROM executions WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < $now))
            WHERE (queued_at, id) > ($afterQueued, $afterId)
            ORDER BY queued_at, id LIMIT $limit
            """, ("$cutoff", queuedBefore.ToUnixTimeMilliseconds()), ("$now", now.ToUnixTimeMilliseconds()),
            ("$afterQueued", after?.QueuedAt.ToUnixTimeMilliseconds() ?? long.MinValue), ("$afterId", after?.Id ?? ""), ("$limit", limit));
        var found = new List<RecoverableExecution>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add(new RecoverableExecution(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        return found;
    }

    public Task<Execution?> TryCancelAsync(string id, DateTimeOffset now, CancellationToken ct) =>
        TryTransitionAsync(id, current => current with { Status = ExecutionStatus.Canceled, FinishedAt = now, Error = new ExecutionError("Canceled on request.") }, ct);

    /// <summary>Read, check not terminal, write: inside the group commit's IMMEDIATE transaction.</summary>
    private Task<Execution?> TryTransitionAsync(string id, Func<Execution, Execution> change, CancellationToken ct) => _writes.RunAsync(async (db, ct) =>
    {
        var read = db.Command("SELECT document FROM executions WHERE id = $id", ("$id", id));
        var current = await read.ExecuteScalarAsync(ct) is string json ? StoredDocuments.Deserialize<Execution>(json) : null;
        if (current is null || current.Status.IsTerminal()) return null;

        var next = change(current);
        var write = db.Command("""
            UPDATE executions SET status = $status, started_at = $started, finished_at = $finished, document = $doc WHERE id = $id
            """, ExecutionParameters(next));
        await write.ExecuteNonQueryAsync(ct);
        return (Execution?)next;
    }, ct);

    public Task<bool> TryCompleteAsync(Execution terminal, CancellationToken ct) => _writes.RunAsync(async (db, ct) =>
        await db.ExecuteAsync("""
            UPDATE executions SET status = $status, started_at = $started, finished_at = $finished, document = $doc
            WHERE id = $id AND status IN ('queued', 'running')
            """, ct, ExecutionParameters(terminal)) == 1, ct);

    Task<bool> IExecutionStore.DeleteAsync(string id, CancellationToken ct) =>
        _writes.RunAsync(async (db, ct) => await db.ExecuteAsync("DELETE FROM executions WHERE id = $id", ct, ("$id", id)) == 1, ct);

    public async Task<Page<Execution>> ListByWorkflowAsync(string workflowId, PageRequest page, CancellationToken ct)
    {
        await using var db = await OpenAsync(ct);
        var rows = await ReadManyAsync<Execution>(db, """
            SELECT document FROM executions WHERE workflow_id = $workflow
            ORDER BY queued_at DESC, id DESC LIMIT $limit OFFSET $offset
            """, ct, ("$workflow", workflowId), ("$limit", page.Limit + 1), ("$offset", page.Offset));
        return Page<Execution>.FromOverfetch(rows, page);
    }

    public async Task<IReadOnlyList<string>> ListUnfinishedIdsAsync(int limit, CancellationToken ct)
    {
        await using var db = await OpenAsync(ct);
        await using var cmd = Command(db, "SELECT id FROM executions WHERE status IN ('queued', 'running') ORDER BY queued_at LIMIT $limit", ("$limit", limit));
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }

    // ---- leases ----

    // The upsert's WHERE keeps a live lease of another holder: then nothing changes.
    public Task<bool> TryAcquireAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken ct) =>
        _writes.RunAsync(async (db, ct) => await db.ExecuteAsync("""
            INSERT INTO leases (name, holder, expires_at) VALUES ($name, $holder, $until)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < $now
            """, ct, ("$name", name), ("$holder", holder), ("$until", until.ToUnixTimeMilliseconds()), ("$now", now.ToUnixTimeMilliseconds())) == 1, ct);

    // ---- plumbing ----

    private static (string, object?)[] WorkflowParameters(Workflow w) =>
    [
        ("$id", w.Id), ("$name", w.Name), ("$owner", w.Owner), ("$active", w.Active ? 1 : 0), ("$version", w.Version),
        ("$created", w.CreatedAt.ToUnixTimeMilliseconds()), ("$updated", w.UpdatedAt.ToUnixTimeMilliseconds()),
        ("$doc", StoredDocuments.Serialize(w)),
    ];

    private static (string, object?)[] ExecutionParameters(Execution e) =>
    [
        ("$id", e.Id), ("$workflow", e.WorkflowId), ("$status", e.Status.ToWire()), ("$queued", e.QueuedAt.ToUnixTimeMilliseconds()),
        ("$started", e.StartedAt?.ToUnixTimeMilliseconds()), ("$finished", e.FinishedAt?.ToUnixTimeMilliseconds()),
        ("$doc", StoredDocuments.Serialize(e)),
    ];

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var db = new SqliteConnection(_connectionString);
        await db.OpenAsync(ct);
        return db;
    }

    /// <summary>The group commit's connection (see <see cref="WriteSession"/>).</summary>
    private async Task<WriteSession> OpenForWritingAsync(CancellationToken ct)
    {
        var db = await OpenAsync(ct);
        // WAL + NORMAL: durable across process crashes; the last commits can be lost only on power loss.
        // busy_timeout: when another process holds the write lock, SQLite's own handler retries within milliseconds;
        // without it Microsoft.Data.Sqlite retries every 150 ms (POST execute p50 went from 102 ms to a few ms with
        // three API and two worker processes on one file).
        await ExecuteAsync(db, "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;", ct);
        return new WriteSession(db);
    }

    public void Dispose() => _writes.Dispose();

    private static SqliteCommand Command(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private static async Task<int> ExecuteAsync(SqliteConnection db, string sql, CancellationToken ct, params (string, object?)[] args)
    {
        await using var cmd = Command(db, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T?> ReadOneAsync<T>(SqliteConnection db, string sql, CancellationToken ct, params (string, object?)[] args)
        where T : class
    {
        await using var cmd = Command(db, sql, args);
        return await cmd.ExecuteScalarAsync(ct) is string json ? StoredDocuments.Deserialize<T>(json) : null;
    }

    private static async Task<List<T>> ReadManyAsync<T>(SqliteConnection db, string sql, CancellationToken ct, params (string, object?)[] args)
    {
        await using var cmd = Command(db, sql, args);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var items = new List<T>();
        while (await reader.ReadAsync(ct)) items.Add(StoredDocuments.Deserialize<T>(reader.GetString(0)));
        return items;
    }
}
