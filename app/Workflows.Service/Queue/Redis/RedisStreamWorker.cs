using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Runtime;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// The worker role in queue mode. Reads its consumer group with bounded concurrency, runs each execution,
/// then XACK + XDEL. Entries left pending by a dead worker are taken over with XAUTOCLAIM once idle; live
/// entries are kept fresh with XCLAIM (JUSTID) so long executions are never stolen. Executions over their
/// attempt limit go to the dead-letter stream.
/// </summary>
/// <remarks>
/// StackExchange.Redis multiplexes every caller over one connection, so a blocking XREADGROUP ... BLOCK would
/// stall all other commands (and the library does not offer it). The read loop therefore never blocks Redis:
/// it issues non-blocking XREADGROUP calls sized to the free slots and, when the stream is empty, waits
/// locally for either a pub/sub wake-up (sent after each XADD) or the poll interval, whichever comes first.
/// </remarks>
public sealed class RedisStreamWorker(
    IConnectionMultiplexer redis,
    ExecutionRunner runner,
    RunningExecutions running,
    WorkerIdentity identity,
    IOptions<QueueOptions> queueOptions,
    IOptions<ServiceOptions> serviceOptions,
    ILogger<RedisStreamWorker> logger) : BackgroundService
{
    private readonly QueueOptions _o = queueOptions.Value;
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        using var slots = new WorkerSlots(_o.Concurrency);
        await EnsureGroupAsync(db, stoppingToken);

        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisStreamQueue.WakeChannel(_o), (_, _) => Wake());
        await subscriber.SubscribeAsync(RedisStreamQueue.CancelChannel(_o), (_, id) => running.Cancel(id.ToString()));

        var housekeeping = HousekeepingAsync(db, slots, stoppingToken);
        logger.LogInformation("Worker {Consumer} reading {Stream} (group {Group}, concurrency {Concurrency})",
            identity.Name, _o.StreamKey, _o.ConsumerGroup, _o.Concurrency);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitForFreeSlotAsync(stoppingToken);
                StreamEntry[] entries;
                try
                {
                    entries = await db.StreamReadGroupAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name, ">", slots.Free);
                }
                catch (RedisException e)
                {
                    logger.LogWarning(e, "Reading the stream failed; retrying after the poll interval");
                    await Task.Delay(_o.PollIntervalMilliseconds, stoppingToken);
                    continue;
                }
                if (entries.Length == 0)
                {
                    await _wake.WaitAsync(_o.PollIntervalMilliseconds, stoppingToken);
                    continue;
                }
                StartAll(db, slots, entries);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }

        logger.LogInformation("Worker {Consumer} stopping: {Count} execution(s) in flight, grace {Grace} s",
            identity.Name, slots.InFlightIds.Count, serviceOptions.Value.ShutdownGraceSeconds);
        await slots.DrainAsync(TimeSpan.FromSeconds(serviceOptions.Value.ShutdownGraceSeconds));
        await housekeeping.ContinueWith(_ => { }, TaskScheduler.Default);
        await subscriber.UnsubscribeAllAsync();
    }

    private void Wake()
    {
        try { _wake.Release(); } catch (SemaphoreFullException) { /* already awake */ }
    }

    private void StartAll(IDatabase db, WorkerSlots slots, IEnumerable<StreamEntry> entries)
    {
        foreach (var entry in entries)
        {
            var executionId = (string?)entry[RedisStreamQueue.ExecutionIdField];
            if (executionId is null)
            {
                logger.LogError("Stream entry {EntryId} has no {Field}; dropping it", entry.Id, RedisStreamQueue.ExecutionIdField);
                _ = AcknowledgeAsync(db, entry.Id);
                continue;
            }
            // A duplicate (reclaimed while still running here) or a full pool: leave it pending; it comes back.
            slots.TryStart(entry.Id!, ct => ProcessAsync(db, entry.Id, executionId, ct));
        }
    }

    private async Task ProcessAsync(IDatabase db, RedisValue entryId, string executionId, CancellationToken ct)
    {
        try
        {
            var outcome = await runner.RunAsync(executionId, identity.Name, _o.MaxAttempts, ct);
            switch (outcome)
            {
                case RunOutcome.Interrupted:
                    return; // stays pending; another worker reclaims it after ClaimIdleSeconds
                case RunOutcome.DeadLettered:
                    await db.StreamAddAsync(_o.DeadLetterStreamKey,
                    [
                        new NameValueEntry(RedisStreamQueue.ExecutionIdField, executionId),
                        new NameValueEntry("entryId", entryId),
                        new NameValueEntry("reason", $"exceeded {_o.MaxAttempts} attempts"),
                        new NameValueEntry("worker", identity.Name),
                    ]);
                    break;
            }
            await AcknowledgeAsync(db, entryId);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Store or Redis trouble: leave the entry pending so it is retried after a reclaim.
            logger.LogError(e, "Execution {ExecutionId} (entry {EntryId}) failed in the worker; it stays pending", executionId, entryId);
        }
    }

    private async Task AcknowledgeAsync(IDatabase db, RedisValue entryId)
    {
        var tx = db.CreateTransaction();
        _ = tx.StreamAcknowledgeAsync(_o.StreamKey, _o.ConsumerGroup, entryId);
        _ = tx.StreamDeleteAsync(_o.StreamKey, [entryId]);
        await tx.ExecuteAsync();
    }

    /// <summary>Every third of the idle time: refresh our pending entries, take over others' stale ones.</summary>
    private async Task HousekeepingAsync(IDatabase db, WorkerSlots slots, CancellationToken ct)
    {
        var idle = TimeSpan.FromSeconds(_o.ClaimIdleSeconds);
        using var timer = new PeriodicTimer(idle / 3);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                var mine = slots.InFlightIds.Select(id => (RedisValue)id).ToArray();
                if (mine.Length > 0)
                    await db.StreamClaimIdsOnlyAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name, 0, mine);

                if (slots.Free > 0)
                {
                    var claimed = await db.StreamAutoClaimAsync(_o.StreamKey, _o.ConsumerGroup, identity.Name,
                        (long)idle.TotalMilliseconds, "0-0", slots.Free);
                    if (claimed.ClaimedEntries.Length > 0)
                    {
                        logger.LogWarning("Reclaimed {Count} stale entries from dead workers", claimed.ClaimedEntries.Length);
                        StartAll(db, slots, claimed.ClaimedEntries);
                    }
                    foreach (var deleted in claimed.DeletedIds) await AcknowledgeAsync(db, deleted);
                }
            }
            catch (RedisException e)
            {
                logger.LogWarning(e, "Stream housekeeping failed; trying again next tick");
            }
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
            catch (RedisConnectionException e)
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
