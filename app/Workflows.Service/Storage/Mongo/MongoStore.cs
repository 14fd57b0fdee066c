using MongoDB.Bson;
using MongoDB.Driver;
using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Storage.Mongo;

/// <summary>
/// MongoDB / Amazon DocumentDB store. Each item is a BSON document with scalar fields for filters and sorting and
/// the full item as a JSON string in <c>document</c> (user data may hold keys such as <c>$x</c> or <c>a.b</c> that
/// DocumentDB rejects as field names). Lists use the configured read preference (the source document's read/write
/// split); writes and reads by id (which callers act on) go to the primary.
/// </summary>
public sealed class MongoStore : IWorkflowStore, IExecutionStore, ILeaseStore, IStoreHealth, IStoreInitializer
{
    private readonly string _database;
    private volatile Collections _c;

    public MongoStore(IMongoClient client, string database)
    {
        _database = database;
        _c = Collections.Of(client, database);
    }

    /// <summary>Follows the connection: after a credentials rotation, operations use the new client.</summary>
    public MongoStore(MongoConnection connection, string database) : this(connection.Client, database) =>
        connection.ClientReplaced += client => _c = Collections.Of(client, _database);

    /// <summary>One client's handles; swapped as a whole so an operation never mixes two clients.</summary>
    private sealed record Collections(IMongoDatabase Db, IMongoCollection<BsonDocument> Workflows, IMongoCollection<BsonDocument> Executions,
        IMongoCollection<BsonDocument> WorkflowsPrimary, IMongoCollection<BsonDocument> ExecutionsPrimary, IMongoCollection<BsonDocument> Leases)
    {
        public static Collections Of(IMongoClient client, string database)
        {
            var db = client.GetDatabase(database);
            var workflows = db.GetCollection<BsonDocument>("workflows");
            var executions = db.GetCollection<BsonDocument>("executions");
            return new Collections(db, workflows, executions, workflows.WithReadPreference(ReadPreference.Primary),
                executions.WithReadPreference(ReadPreference.Primary), db.GetCollection<BsonDocument>("leases").WithReadPreference(ReadPreference.Primary));
        }
    }

    /// <summary>The source document's indexes, plus executions {workflowId, queuedAt desc} which the list sorts by
    /// (queued executions have no startedAt yet).</summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        var w = Builders<BsonDocument>.IndexKeys;
        await _c.Workflows.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<BsonDocument>(w.Ascending("owner").Descending("createdAt"), new() { Name = "owner_createdAt" }),
            new CreateIndexModel<BsonDocument>(w.Ascending("active").Ascending("name"), new() { Name = "active_name" }),
            new CreateIndexModel<BsonDocument>(w.Descending("createdAt"), new() { Name = "createdAt" }),
        ], ct);
        await _c.Executions.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<BsonDocument>(w.Ascending("workflowId").Descending("startedAt"), new() { Name = "workflowId_startedAt" }),
            new CreateIndexModel<BsonDocument>(w.Ascending("status").Descending("finishedAt"), new() { Name = "status_finishedAt" }),
            new CreateIndexModel<BsonDocument>(w.Ascending("workflowId").Descending("queuedAt"), new() { Name = "workflowId_queuedAt" }),
            // The reconciler's two questions: queued for long, running with a lapsed lease.
            new CreateIndexModel<BsonDocument>(w.Ascending("status").Ascending("queuedAt"), new() { Name = "status_queuedAt" }),
            new CreateIndexModel<BsonDocument>(w.Ascending("status").Ascending("leaseExpiresAt"), new() { Name = "status_leaseExpiresAt" }),
        ], ct);
    }

    public Task PingAsync(CancellationToken ct) => _c.Db.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: ct);

    // ---- workflows ----

    public async Task InsertAsync(Workflow workflow, CancellationToken ct)
    {
        try { await _c.Workflows.InsertOneAsync(ToBson(workflow), cancellationToken: ct); }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey) { throw new DuplicateIdException(workflow.Id); }
    }

    /// <summary>From the primary: callers act on what they read (update, execute), and a replica may lag behind a create.</summary>
    public async Task<Workflow?> GetAsync(string id, CancellationToken ct) =>
        FromBson<Workflow>(await _c.WorkflowsPrimary.Find(ById(id)).FirstOrDefaultAsync(ct));

    public async Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct)
    {
        var stored = workflow with { Version = expectedVersion + 1 };
        var filter = ById(workflow.Id) & Builders<BsonDocument>.Filter.Eq("version", expectedVersion);
        var result = await _c.Workflows.ReplaceOneAsync(filter, ToBson(stored), cancellationToken: ct);
        if (result.MatchedCount == 1) return stored;

        var current = FromBson<Workflow>(await _c.WorkflowsPrimary.Find(ById(workflow.Id)).FirstOrDefaultAsync(ct));
        return current is null ? null : throw new VersionConflictException(workflow.Id, expectedVersion, current.Version);
    }

    async Task<bool> IWorkflowStore.DeleteAsync(string id, CancellationToken ct) =>
        (await _c.Workflows.DeleteOneAsync(ById(id), ct)).DeletedCount == 1;

    public async Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct)
    {
        var f = Builders<BsonDocument>.Filter;
        var filter = f.Empty;
        if (query.Active is { } active) filter &= f.Eq("active", active);
        if (query.Owner is { } owner) filter &= f.Eq("owner", owner);
        if (query.NamePrefix is { } prefix) filter &= f.Gte("name", prefix) & f.Lt("name", WorkflowQuery.PrefixUpperBound(prefix));
        var page = query.Paging;
        var rows = await _c.Workflows.Find(filter)
            .Sort(Builders<BsonDocument>.Sort.Descending("createdAt").Descending("_id"))
            .Skip(page.Offset).Limit(page.Limit + 1).ToListAsync(ct);
        return Page<Workflow>.FromOverfetch(rows.Select(r => FromBson<Workflow>(r)!).ToList(), page);
    }

    // ---- executions ----

    public async Task InsertAsync(Execution execution, CancellationToken ct)
    {
        try { await _c.Executions.InsertOneAsync(ToBson(execution), cancellationToken: ct); }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey) { throw new DuplicateIdException(execution.Id); }
    }

    /// <summary>From the primary: a worker that read a lagging replica would take a new execution for a missing one.</summary>
    async Task<Execution?> IExecutionStore.GetAsync(string id, CancellationToken ct) =>
        FromBson<Execution>(await _c.ExecutionsPrimary.Find(ById(id)).FirstOrDefaultAsync(ct));

    /// <summary>Compare-and-swap on the stored JSON and the lease fields, so a racing start or a renewal makes it retry.</summary>
    public async Task<StartAttempt> TryStartAsync(string id, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, int maxAttempts, CancellationToken ct)
    {
        var f = Builders<BsonDocument>.Filter;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var doc = await _c.ExecutionsPrimary.Find(ById(id)).FirstOrDefaultAsync(ct);
            var current = FromBson<Execution>(doc);
            if (current is null || current.Status.IsTerminal()) return new StartAttempt.Finished();
            var owner = doc!.GetValue("leaseOwner", BsonNull.Value);
            var expires = doc.GetValue("leaseExpiresAt", BsonNull.Value);
            if (current.Status == ExecutionStatus.Running && owner.IsString && expires.IsValidDateTime && expires.ToUniversalTime() > now.UtcDateTime)
                return new StartAttempt.Leased(owner.AsString, new DateTimeOffset(expires.ToUniversalTime()));
            if (current.Attempts >= maxAttempts) return new StartAttempt.Exhausted(current);

            var next = current with { Status = ExecutionStatus.Running, StartedAt = now, Attempts = current.Attempts + 1, Worker = worker };
            var replacement = ToBson(next);
            replacement["leaseOwner"] = worker;
            replacement["leaseExpiresAt"] = leaseUntil.UtcDateTime;
            var filter = ById(id) & f.Eq("document", doc["document"]) & f.Eq("leaseExpiresAt", expires);
            if ((await _c.Executions.ReplaceOneAsync(filter, replacement, cancellationToken: ct)).MatchedCount == 1) return new StartAttempt.Started(next);
        }
        throw new InvalidOperationException($"Execution '{id}' kept changing while it was being started.");
    }

    public async Task RenewLeasesAsync(string worker, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        var f = Builders<BsonDocument>.Filter;
        await _c.Executions.UpdateManyAsync(f.In("_id", ids) & f.Eq("status", ExecutionStatus.Running.ToWire()) & f.Eq("leaseOwner", worker),
            Builders<BsonDocument>.Update.Set("leaseExpiresAt", leaseUntil.UtcDateTime), cancellationToken: ct);
    }

    public async Task<IReadOnlyList<RecoverableExecution>> ListRecoverableAsync(DateTimeOffset queuedBefore, DateTimeOffset now, RecoverableExecution? after, int limit, CancellationToken ct)
    {
        // Bounded index range queries (status_queuedAt, status_leaseExpiresAt), each after the cursor in (queuedAt, _id)
        // order, merged. Stored times are milliseconds, like the cursor's.
        var f = Builders<BsonDocument>.Filter;
        var afterCursor = after is null ? f.Empty
            : f.Gt("queuedAt", after.QueuedAt.UtcDateTime) | (f.Eq("queuedAt", after.QueuedAt.UtcDateTime) & f.Gt("_id", after.Id));
        var projection = Builders<BsonDocument>.Projection.Include("_id").Include("queuedAt");
        var sort = Builders<BsonDocument>.Sort.Ascending("queuedAt").Ascending("_id");
        var running = f.Eq("status", ExecutionStatus.Running.ToWire());
        var found = new List<BsonDocument>();
        foreach (var filter in new[]
        {
            f.Eq("status", ExecutionStatus.Queued.ToWire()) & f.Lt("queuedAt", queuedBefore.UtcDateTime),
            running & f.Lt("leaseExpiresAt", now.UtcDateTime),
            running & f.Eq("leaseExpiresAt", BsonNull.Value), // started by a version without leases: counts as lapsed
        })
            found.AddRange(await _c.ExecutionsPrimary.Find(filter & afterCursor).Sort(sort).Limit(limit).Project(projection).ToListAsync(ct));
        return found
            .Select(d => new RecoverableExecution(d["_id"].AsString, new DateTimeOffset(d["queuedAt"].ToUniversalTime())))
            .OrderBy(r => r.QueuedAt).ThenBy(r => r.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    public Task<Execution?> TryCancelAsync(string id, DateTimeOffset now, CancellationToken ct) =>
        TryTransitionAsync(id, current => current with { Status = ExecutionStatus.Canceled, FinishedAt = now, Error = new ExecutionError("Canceled on request.") }, ct);

    /// <summary>Reads from the primary, then replaces only if the document is unchanged (compare-and-swap on its JSON).</summary>
    private async Task<Execution?> TryTransitionAsync(string id, Func<Execution, Execution> change, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var doc = await _c.ExecutionsPrimary.Find(ById(id)).FirstOrDefaultAsync(ct);
            var current = FromBson<Execution>(doc);
            if (current is null || current.Status.IsTerminal()) return null;

            var next = change(current);
            var filter = ById(id) & Builders<BsonDocument>.Filter.Eq("document", doc!["document"]);
            if ((await _c.Executions.ReplaceOneAsync(filter, ToBson(next), cancellationToken: ct)).MatchedCount == 1) return next;
        }
        throw new InvalidOperationException($"Execution '{id}' kept changing while it was being updated.");
    }

    public async Task<bool> TryCompleteAsync(Execution terminal, CancellationToken ct)
    {
        var filter = ById(terminal.Id) & Builders<BsonDocument>.Filter.In("status", StoredDocuments.OpenStatuses);
        return (await _c.Executions.ReplaceOneAsync(filter, ToBson(terminal), cancellationToken: ct)).MatchedCount == 1;
    }

    async Task<bool> IExecutionStore.DeleteAsync(string id, CancellationToken ct) =>
        (await _c.Executions.DeleteOneAsync(ById(id), ct)).DeletedCount == 1;

    public async Task<IReadOnlyList<string>> ListUnfinishedIdsAsync(int limit, CancellationToken ct)
    {
        var rows = await _c.ExecutionsPrimary.Find(Builders<BsonDocument>.Filter.In("status", StoredDocuments.OpenStatuses))
            .Sort(Builders<BsonDocument>.Sort.Ascending("queuedAt")).Limit(limit)
            .Project(Builders<BsonDocument>.Projection.Include("_id")).ToListAsync(ct);
        return rows.Select(r => r["_id"].AsString).ToList();
    }

    public async Task<Page<Execution>> ListByWorkflowAsync(string workflowId, PageRequest page, CancellationToken ct)
    {
        var rows = await _c.Executions.Find(Builders<BsonDocument>.Filter.Eq("workflowId", workflowId))
            .Sort(Builders<BsonDocument>.Sort.Descending("queuedAt").Descending("_id"))
            .Skip(page.Offset).Limit(page.Limit + 1).ToListAsync(ct);
        return Page<Execution>.FromOverfetch(rows.Select(r => FromBson<Execution>(r)!).ToList(), page);
    }

    // ---- leases ----

    public async Task<bool> TryAcquireAsync(string name, string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken ct)
    {
        var f = Builders<BsonDocument>.Filter;
        var filter = ById(name) & (f.Eq("holder", holder) | f.Lt("expiresAt", now.UtcDateTime));
        var update = Builders<BsonDocument>.Update.Set("holder", holder).Set("expiresAt", until.UtcDateTime);
        try
        {
            await _c.Leases.UpdateOneAsync(filter, update, new UpdateOptions { IsUpsert = true }, ct);
            return true;
        }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            return false; // the lease exists, live, held by another: the upsert's insert collided with it
        }
    }

    // ---- mapping ----

    private static FilterDefinition<BsonDocument> ById(string id) => Builders<BsonDocument>.Filter.Eq("_id", id);

    private static BsonDocument ToBson(Workflow w) => new()
    {
        ["_id"] = w.Id, ["name"] = w.Name, ["owner"] = w.Owner, ["active"] = w.Active, ["version"] = w.Version,
        ["createdAt"] = w.CreatedAt.UtcDateTime, ["updatedAt"] = w.UpdatedAt.UtcDateTime,
        ["document"] = StoredDocuments.Serialize(w),
    };

    private static BsonDocument ToBson(Execution e) => CheckSize(e.Id, new BsonDocument
    {
        ["_id"] = e.Id, ["workflowId"] = e.WorkflowId, ["status"] = e.Status.ToWire(), ["attempts"] = e.Attempts,
        ["queuedAt"] = e.QueuedAt.UtcDateTime,
        ["startedAt"] = e.StartedAt is { } s ? s.UtcDateTime : BsonNull.Value,
        ["finishedAt"] = e.FinishedAt is { } f ? f.UtcDateTime : BsonNull.Value,
        ["document"] = StoredDocuments.Serialize(e),
    });

    /// <summary>Refuses documents over the server's 16 MB limit before sending them, as a non-retryable error.</summary>
    private static BsonDocument CheckSize(string id, BsonDocument doc)
    {
        var size = doc["document"].AsString.Length * 3L; // UTF-8 upper bound without encoding twice
        if (size > StoredDocuments.MaxDocumentBytes && System.Text.Encoding.UTF8.GetByteCount(doc["document"].AsString) > StoredDocuments.MaxDocumentBytes)
            throw new UnstorableItemException($"'{id}' is larger than {StoredDocuments.MaxDocumentBytes} bytes", new InvalidDataException("document too large"));
        return doc;
    }

    private static T? FromBson<T>(BsonDocument? doc) where T : class =>
        doc is null ? null : StoredDocuments.Deserialize<T>(doc["document"].AsString);
}
