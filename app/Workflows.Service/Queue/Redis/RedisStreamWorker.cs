using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// The worker role in queue mode. Reads its consumer group with bounded concurrency, runs each execution,
/// then XACK + XDEL. Entries left pending by a dead worker are taken over with XAUTOCLAIM once idle; live
/// entries are kept fresh with XCLAIM (JUSTID), also while draining, so long executions are never stolen.
/// Executions over their attempt limit go to the dead-letter stream.
/// </summary>
/// <remarks>
/// StackExchange.Redis multiplexes every caller over one connection, so a blocking XREADGROUP ... BLOCK would
/// stall all other commands (and the library does not offer it). The read loop therefore never blocks Redis:
/// it issues non-blocking XREADGROUP calls sized to the free slots and, when the stream is empty, waits
/// locally for either a pub/sub wake-up (sent after each XADD) or the poll interval, whichever comes first.
/// Every Redis failure (including timeouts, which are not RedisExceptions) is logged and retried: a worker
/// never stops because Redis stalled.
/// </remarks>
public sealed class RedisStreamWorker(
    IConnectionMultiplexer redis,
    ExecutionRunner runner,
    IExecutionStore executions,
    RunningExecutions running,
    WorkerIdentity identity,
    IOptions<QueueOptions> queueOptions,
    IOptions<ServiceOptions> serviceOptions,
    ILogger<RedisStreamWorker> logger) : BackgroundService
{
    /// <summary>Consumers without pending entries and idle this long are removed from the group.</summary>
    private static readonly TimeSpan DeadConsumerIdle = TimeSpan.FromHours(1);
    private const int DeadLetterMaxLength = 100_000;

    private readonly QueueOptions _o = queueOptions.Value;
    private readonly SemaphoreSlim _wake = new(0, 1);
    /// <summary>Stream entry id → execution id, for the executions running here (their store leases are renewed).</summary>
    private readonly ConcurrentDictionary<string, string> _running = new(StringComparer.Ordinal);
    /// <summary>Entries read ahead of the free slots (<see cref="QueueOptions.Prefetch"/>), started as slots free.</summary>
    private readonly ConcurrentQueue<StreamEntry> _readAhead = new();
    private RedisValue _claimCursor = "0-0";
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        using var slots = new WorkerSlots(_o.Concurrency);
        using var housekeepingStop = new CancellationTokenSource();
        Task housekeeping = Task.CompletedTask;
        var subscriber = redis.GetSubscriber();
        try
        {
            await EnsureGroupAsync(db, stoppingToken);
            await subscriber.SubscribeAsync(RedisStreamQueue.WakeChannel(_o), (_, _) => Wake());
            await subscriber.SubscribeAsync(RedisStreamQueue.CancelChannel(_o), (_, id) => running.Cancel(id.ToString()));
            housekeeping = HousekeepingAsync(db, slots, housekeepingStop.Token);
            logger.LogInformation("Worker {Consumer} reading {Stream} (group {Group}, concurrency {Concurrency})",
                identity.Name, _o.StreamKey, _o.ConsumerGroup, _o.Concurrency);

            while (!stoppingToken.IsCancellationRequested)
            {
                StartReadAhead(db, slots);
                // What the free slots and the read-ahead can take (housekeeping may take slots meanwhile: a few more wait).
                var count = slots.Free + _o.Prefetch - _readAhead.Count;
                if (count <= 0)
                {
                    await slots.WaitForFreeSlotAsync(stoppingToken);
                    continue;
                }
                StreamEntry[] entries;
                try
                {
                    entries = await db.StreamReadGroupAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name, ">", count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await OnRedisFailureAsync(db, e, "Reading the stream", stoppingToken);
                    continue;
                }
                if (entries.Length == 0)
                {
                    // Nothing new: wait for a slot when work is read ahead, else for a wake-up or the poll interval.
                    if (!_readAhead.IsEmpty) await slots.WaitForFreeSlotAsync(stoppingToken);
                    else await _wake.WaitAsync(_o.PollIntervalMilliseconds, stoppingToken);
                    continue;
                }
                foreach (var entry in entries) _readAhead.Enqueue(entry);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            // Stop reclaiming others' work at once, keep heartbeating our own until the drain ends.
            _stopping = true;
            logger.LogInformation("Worker {Consumer} stopping: {Count} execution(s) in flight, grace {Grace} s",
                identity.Name, slots.InFlightIds.Count, serviceOptions.Value.ShutdownGraceSeconds);
            await ReleaseReadAheadAsync(db);
            await slots.DrainAsync(TimeSpan.FromSeconds(serviceOptions.Value.ShutdownGraceSeconds));
            await housekeepingStop.CancelAsync();
            await housekeeping.ContinueWith(_ => { }, TaskScheduler.Default);
            try { await subscriber.UnsubscribeAllAsync(); } catch (Exception e) when (e is RedisException or TimeoutException) { }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount > 0) return; // already awake (checked first: an exception per message cost the busy worker)
        try { _wake.Release(); } catch (SemaphoreFullException) { /* woken meanwhile */ }
    }

    private async Task OnRedisFailureAsync(IDatabase db, Exception e, string what, CancellationToken ct)
    {
        if (e is RedisServerException server && server.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // The stream or group vanished (Redis restarted empty, a flush): recreate and carry on.
            logger.LogWarning("Consumer group {Group} is missing; recreating it", _o.ConsumerGroup);
            await EnsureGroupAsync(db, ct);
            return;
        }
        logger.LogWarning(e, "{What} failed; retrying after the poll interval", what);
        await Task.Delay(_o.PollIntervalMilliseconds, ct);
    }

    /// <summary>Starts read-ahead entries while slots are free. One that cannot start with a slot free (it runs here
    /// already, or intake closed) is dropped from the read-ahead and stays pending in the stream.</summary>
    private void StartReadAhead(IDatabase db, WorkerSlots slots)
    {
        while (slots.Free > 0 && _readAhead.TryDequeue(out var entry)) Start(db, slots, entry);
    }

    /// <summary>
    /// On stop, read-ahead entries that never started are handed back: marked idle for longer than the claim time
    /// (XCLAIM ... IDLE), so the next worker's reclaim takes them at once instead of after <see cref="QueueOptions.ClaimIdleSeconds"/>.
    /// </summary>
    private async Task ReleaseReadAheadAsync(IDatabase db)
    {
        var ids = new List<RedisValue>();
        while (_readAhead.TryDequeue(out var entry)) ids.Add(entry.Id);
        if (ids.Count == 0) return;
        try
        {
            await db.ExecuteAsync("XCLAIM", [_o.StreamKey, _o.ConsumerGroup, identity.Name, 0, .. ids.Select(id => (object)id),
                "IDLE", (_o.ClaimIdleSeconds + 1) * 1000L, "JUSTID"]);
            logger.LogInformation("Handed back {Count} read-ahead entries for other workers", ids.Count);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Handing back {Count} read-ahead entries failed; they are reclaimed after the idle time", ids.Count);
        }
    }

    private void Start(IDatabase db, WorkerSlots slots, StreamEntry entry)
    {
        var executionId = (string?)entry[RedisStreamQueue.ExecutionIdField];
        if (executionId is null)
        {
            logger.LogError("Stream entry {EntryId} has no {Field}; dropping it", entry.Id, RedisStreamQueue.ExecutionIdField);
            _ = AcknowledgeAsync(db, entry.Id);
            return;
        }
        // A duplicate (reclaimed while still running here), a full pool or a closed intake: it stays pending and comes back.
        slots.TryStart(entry.Id!, ct => ProcessAsync(db, entry.Id, executionId, ct));
    }

    private async Task ProcessAsync(IDatabase db, RedisValue entryId, string executionId, CancellationToken ct)
    {
        _running[entryId!] = executionId;
        try
        {
            var outcome = await runner.RunAsync(executionId, identity.Name, new RunPolicy(_o.MaxAttempts, _o.WorkerLease), ct);
            switch (outcome)
            {
                case RunOutcome.Interrupted:
                    return; // stays pending; another worker reclaims it after ClaimIdleSeconds
                case RunOutcome.Leased:
                    return; // another worker runs it; this entry stays pending and a later reclaim only acknowledges it
                case RunOutcome.DeadLettered:
                    await db.StreamAddAsync(_o.DeadLetterStreamKey,
                    [
                        new NameValueEntry(RedisStreamQueue.ExecutionIdField, executionId),
                        new NameValueEntry("entryId", entryId),
                        new NameValueEntry("reason", $"exceeded {_o.MaxAttempts} attempts"),
                        new NameValueEntry("worker", identity.Name),
                    ], maxLength: DeadLetterMaxLength, useApproximateMaxLength: true);
                    break;
            }
            await AcknowledgeAsync(db, entryId);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Store or Redis trouble: leave the entry pending so it is retried after a reclaim.
            logger.LogError(e, "Execution {ExecutionId} (entry {EntryId}) failed in the worker; it stays pending", executionId, entryId);
        }
        finally
        {
            _running.TryRemove(entryId!, out _);
        }
    }

    private async Task AcknowledgeAsync(IDatabase db, RedisValue entryId)
    {
        var tx = db.CreateTransaction();
        _ = tx.StreamAcknowledgeAsync(_o.StreamKey, _o.ConsumerGroup, entryId);
        _ = tx.StreamDeleteAsync(_o.StreamKey, [entryId]);
        await tx.ExecuteAsync();
    }

    /// <summary>Every third of the idle time: refresh our pending entries, take over others' stale ones, prune dead consumers.</summary>
    private async Task HousekeepingAsync(IDatabase db, WorkerSlots slots, CancellationToken ct)
    {
        var idle = TimeSpan.FromSeconds(_o.ClaimIdleSeconds);
        using var timer = new PeriodicTimer(idle / 3);
        var ticks = 0;
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            // The heartbeat has two halves, each tried even when the other fails: the store lease (what the
            // reconciler and other workers respect) and the stream entries' idle time (what XAUTOCLAIM respects).
            try
            {
                var executionIds = _running.Values.ToArray();
                if (executionIds.Length > 0)
                    await executions.RenewLeasesAsync(identity.Name, executionIds, DateTimeOffset.UtcNow + _o.WorkerLease, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Renewing execution leases failed; trying again next tick");
            }
            try
            {
                var mine = slots.InFlightIds.Select(id => (RedisValue)id).Concat(_readAhead.Select(e => e.Id)).ToArray();
                if (mine.Length > 0)
                    await db.StreamClaimIdsOnlyAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name, 0, mine);
                if (!_stopping) await ReclaimAsync(db, slots, (long)idle.TotalMilliseconds);
                if (++ticks % 30 == 0) await PruneConsumersAsync(db);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Stream housekeeping failed; trying again next tick");
            }
        }
    }

    /// <summary>
    /// XAUTOCLAIM scans at most 10 × COUNT pending entries per call, so the cursor is kept across calls and ticks:
    /// stale entries behind many live ones are still reached.
    /// </summary>
    private async Task ReclaimAsync(IDatabase db, WorkerSlots slots, long minIdleMs)
    {
        for (var calls = 0; calls < 10 && slots.Free > 0; calls++)
        {
            var result = await db.StreamAutoClaimAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name, minIdleMs, _claimCursor, slots.Free);
            if (result.ClaimedEntries.Length > 0)
            {
                logger.LogWarning("Reclaimed {Count} stale entries from stopped workers", result.ClaimedEntries.Length);
                foreach (var entry in result.ClaimedEntries) Start(db, slots, entry);
            }
            foreach (var deleted in result.DeletedIds) await AcknowledgeAsync(db, deleted);
            _claimCursor = result.NextStartId;
            if (_claimCursor == "0-0") return; // scanned the whole pending list
        }
    }

    private async Task PruneConsumersAsync(IDatabase db)
    {
        foreach (var consumer in await db.StreamConsumerInfoAsync(_o.StreamKey, _o.ConsumerGroup))
        {
            if (consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > DeadConsumerIdle.TotalMilliseconds && consumer.Name != identity.Name)
                await db.StreamDeleteConsumerAsync(_o.StreamKey, _o.ConsumerGroup, consumer.Name);
        }
    }

    private async Task EnsureGroupAsync(IDatabase db, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                // From "0" so entries added before the group existed are delivered too.
                await db.StreamCreateConsumerGroupAsync(_o.StreamKey, _o.ConsumerGroup, "0", createStream: true);
                return;
            }
            catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning(e, "Redis is not reachable; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
