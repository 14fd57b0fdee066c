using Microsoft.Data.Sqlite;

namespace Workflows.Service.Storage.Sqlite;

/// <summary>
/// The group commit's connection, kept open between batches, with its statements prepared once: SQLite parsed and
/// planned each INSERT and UPDATE again on every write (with a savepoint's two statements and the connection's
/// pragmas per batch, ~5 % of the API's CPU under POST execute). Commands handed out here belong to the session:
/// callers run them and dispose their readers, never the commands. Only the group commit's loop uses a session, one
/// batch at a time.
/// </summary>
internal sealed class WriteSession(SqliteConnection db) : IAsyncDisposable
{
    /// <summary>Distinct statements kept prepared; dynamic ones past this (lease renewals of many sizes) run once.</summary>
    public const int MaxPrepared = 64;

    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly List<SqliteCommand> _oneOff = [];
    private SqliteTransaction? _transaction;

    /// <summary>The batch's IMMEDIATE transaction: takes the write lock at once (BEGIN IMMEDIATE).</summary>
    public void Begin() => _transaction = db.BeginTransaction(deferred: false);

    public async Task CommitAsync()
    {
        await _transaction!.CommitAsync();
        await EndBatchAsync();
    }

    /// <summary>Rolls the batch back (if it is still open) and drops one-off commands.</summary>
    private async Task EndBatchAsync()
    {
        if (_transaction is not null) await _transaction.DisposeAsync(); // rolls back unless committed
        _transaction = null;
        foreach (var cmd in _oneOff) await cmd.DisposeAsync();
        _oneOff.Clear();
    }

    // One write's savepoint: each is released before the next begins, so one name serves them all.
    public Task SavepointAsync() => ExecuteAsync("SAVEPOINT w", CancellationToken.None);
    public Task ReleaseAsync() => ExecuteAsync("RELEASE w", CancellationToken.None);
    public Task RollbackToAsync() => ExecuteAsync("ROLLBACK TO w", CancellationToken.None);

    /// <summary>The prepared command for this text with these parameter values.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        if (!_prepared.TryGetValue(sql, out var cmd))
        {
            cmd = db.CreateCommand();
            cmd.CommandText = sql;
            if (_prepared.Count < MaxPrepared) _prepared[sql] = cmd;
            else _oneOff.Add(cmd);
        }
        cmd.Transaction = _transaction;
        var parameters = cmd.Parameters;
        if (!SameNames(parameters, args))
        {
            parameters.Clear();
            foreach (var (name, _) in args) parameters.Add(new SqliteParameter { ParameterName = name });
        }
        for (var i = 0; i < args.Length; i++) parameters[i].Value = args[i].Value ?? DBNull.Value;
        return cmd;
    }

    public Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string, object?)[] args) =>
        Command(sql, args).ExecuteNonQueryAsync(ct);

    public async Task<T?> ReadOneAsync<T>(string sql, CancellationToken ct, params (string, object?)[] args) where T : class =>
        await Command(sql, args).ExecuteScalarAsync(ct) is string json ? StoredDocuments.Deserialize<T>(json) : null;

    /// <summary>After a write failed: its statement may be left mid-step, so every statement is prepared afresh.</summary>
    public async Task ForgetStatementsAsync()
    {
        foreach (var cmd in _prepared.Values) await cmd.DisposeAsync();
        _prepared.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await EndBatchAsync();
        await ForgetStatementsAsync();
        await db.DisposeAsync();
    }

    private static bool SameNames(SqliteParameterCollection parameters, (string Name, object? Value)[] args)
    {
        if (parameters.Count != args.Length) return false;
        for (var i = 0; i < args.Length; i++)
            if (!string.Equals(parameters[i].ParameterName, args[i].Name, StringComparison.Ordinal)) return false;
        return true;
    }
}
