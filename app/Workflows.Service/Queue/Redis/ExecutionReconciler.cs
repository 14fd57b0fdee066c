using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Ports;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// Keeps the promise of a 202: the store is the source of truth, the Redis stream only a transport. Each pass takes
/// the executions the store says are waiting (queued for longer than a grace period, or running on a worker whose
/// lease lapsed), reads which executions the stream still holds (undelivered or pending: workers delete entries only
/// after the terminal write), and enqueues again those the stream lost: after Redis restarted empty (an ElastiCache
/// node replacement), a failover that dropped unreplicated writes, or an enqueue that failed after the insert.
/// </summary>
/// <remarks>
/// One process at a time runs passes (a lease in the store, renewed each pass, handed over when its holder dies).
/// A pass is bounded: it reads candidates in pages of <see cref="ReconcilerOptions.BatchSize"/>, at most
/// <see cref="ReconcilerOptions.MaxCandidatesPerPass"/>, and at most <see cref="ReconcilerOptions.MaxStreamScan"/> entries. Re-enqueueing is safe when it races a worker: an execution that finished meanwhile is only acknowledged
/// (the "already terminal" check), and one a worker holds is refused by its lease.
/// </remarks>
public sealed class ExecutionReconciler(
    IExecutionStore executions,
    ILeaseStore leases,
    IConnectionMultiplexer redis,
    IExecutionQueue queue,
    WorkerIdentity identity,
    IOptions<ReconcilerOptions> options,
    IOptions<QueueOptions> queueOptions,
    IExecutionObserver observer,
    TimeProvider time,
    ILogger<ExecutionReconciler> logger) : BackgroundService
{
    public const string LeaseName = "execution-reconciler";

    private readonly ReconcilerOptions _o = options.Value;
    private TimeSpan Interval => TimeSpan.FromSeconds(_o.IntervalSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await RunPassAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Reconciliation pass failed; the next one runs in {Interval} s", _o.IntervalSeconds);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One pass; public so tests and drills can run one at a moment of their choosing.</summary>
    public async Task<ReconcilePass> RunPassAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // Three intervals: a leader that misses two passes (paused, dying) is replaced.
        if (!await leases.TryAcquireAsync(LeaseName, identity.Name, now, now + 3 * Interval, ct)) return ReconcilePass.NotLeader;

        var queuedBefore = now - TimeSpan.FromSeconds(_o.QueuedGraceSeconds);
        var first = await executions.ListRecoverableAsync(queuedBefore, now, null, _o.BatchSize, ct);
        if (first.Count == 0) return new ReconcilePass(true, 0, 0, 0);

        var held = await StreamExecutionIdsAsync(ct);
        if (held is null)
        {
            logger.LogWarning("The stream holds more than {Max} entries; this pass cannot tell which executions it lost", _o.MaxStreamScan);
            return new ReconcilePass(true, first.Count, _o.MaxStreamScan, 0);
        }

        // Page through every candidate (keyset on queuedAt, id): lost executions may sit behind a long backlog the
        // stream still holds. Each page is bounded; a pass stops after MaxCandidatesPerPass.
        var candidates = 0;
        var lost = new List<string>();
        for (var page = first; ; page = await executions.ListRecoverableAsync(queuedBefore, now, page[^1], _o.BatchSize, ct))
        {
            candidates += page.Count;
            foreach (var execution in page)
            {
                if (held.Contains(execution.Id)) continue;
                await queue.PublishAsync(execution.Id, ct);
                lost.Add(execution.Id);
            }
            if (page.Count < _o.BatchSize || candidates >= _o.MaxCandidatesPerPass) break;
        }
        if (lost.Count > 0)
        {
            observer.Recovered(lost.Count);
            logger.LogWarning("Re-enqueued {Count} accepted execution(s) the queue had lost (e.g. {First}); the stream held {Held} entries",
                lost.Count, lost[0], held.Count);
        }
        return new ReconcilePass(true, candidates, held.Count, lost.Count);
    }

    /// <summary>The execution ids of every entry in the stream (undelivered and pending), or null past the scan bound.</summary>
    private async Task<HashSet<string>?> StreamExecutionIdsAsync(CancellationToken ct)
    {
        const int page = 1000;
        var db = redis.GetDatabase();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        RedisValue from = "-";
        for (var read = 0; read < _o.MaxStreamScan; read += page)
        {
            ct.ThrowIfCancellationRequested();
            var entries = await db.StreamRangeAsync(queueOptions.Value.StreamKey, from, "+", page);
            foreach (var entry in entries)
                if ((string?)entry[RedisStreamQueue.ExecutionIdField] is { } id) ids.Add(id);
            if (entries.Length < page) return ids;
            from = "(" + entries[^1].Id; // exclusive start (Redis 6.2+)
        }
        return null;
    }
}

/// <summary>What one reconciliation pass saw and did.</summary>
/// <param name="Leader">False when another process holds the lease (this process did nothing).</param>
/// <param name="Candidates">Executions the store says are waiting past the grace period or on a lapsed lease.</param>
/// <param name="StreamEntries">Executions the stream holds.</param>
/// <param name="Recovered">Candidates the stream did not hold, enqueued again.</param>
public sealed record ReconcilePass(bool Leader, int Candidates, int StreamEntries, int Recovered)
{
    public static readonly ReconcilePass NotLeader = new(false, 0, 0, 0);
}
