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
    /// <summary>Where the next pass starts when the last one found losses in a full set of candidates; else the oldest.</summary>
    private RecoverableExecution? _sweepAfter;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    // A pass that found losses in a full set of candidates goes on with the next set at once (Redis came
                    // back empty: everything waiting is re-enqueued at the pace Redis and the store allow).
                    while ((await RunPassAsync(stoppingToken)).Continues) { }
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
        var sweepAfter = _sweepAfter;
        _sweepAfter = null;
        var first = await executions.ListRecoverableAsync(queuedBefore, now, sweepAfter, _o.BatchSize, ct);
        if (first.Count == 0) return new ReconcilePass(true, 0, 0, 0);

        // The candidates first, oldest first (keyset on queuedAt, id, in bounded pages), at most MaxCandidatesPerPass:
        // the pass's cost follows this bound, not the backlog's size.
        var candidates = new List<string>();
        var page = first;
        for (; ; page = await executions.ListRecoverableAsync(queuedBefore, now, page[^1], _o.BatchSize, ct))
        {
            candidates.AddRange(page.Select(e => e.Id));
            if (page.Count < _o.BatchSize || candidates.Count >= _o.MaxCandidatesPerPass) break;
        }
        var full = page.Count == _o.BatchSize; // more candidates wait behind this set

        var missing = new HashSet<string>(candidates, StringComparer.Ordinal);
        var scanned = await ScanStreamAsync(missing, ct);
        if (scanned is null)
        {
            logger.LogWarning("The stream holds more than {Max} entries; this pass cannot tell which executions it lost", _o.MaxStreamScan);
            return new ReconcilePass(true, candidates.Count, _o.MaxStreamScan, 0);
        }

        // What the scan did not see is enqueued again, oldest first. One a worker finished (and deleted) between the
        // candidates' read and the scan is enqueued needlessly and only acknowledged: harmless, and rare.
        var lost = candidates.Where(missing.Contains).ToList();
        foreach (var id in lost) await queue.PublishAsync(id, ct);
        if (lost.Count > 0)
        {
            observer.Recovered(lost.Count);
            logger.LogWarning("Re-enqueued {Count} accepted execution(s) the queue had lost (e.g. {First}); the pass read {Scanned} stream entries",
                lost.Count, lost[0], scanned);
        }
        if (lost.Count > 0 && full) _sweepAfter = page[^1];
        return new ReconcilePass(true, candidates.Count, scanned.Value, lost.Count) { Continues = _sweepAfter is not null };
    }

    /// <summary>
    /// Reads the stream from its head, removing from <paramref name="missing"/> each execution it holds (undelivered or
    /// pending), until none is left to look for or the stream ends: the candidates are the oldest waiting executions,
    /// so in a healthy queue they sit at the head and a pass reads about as many entries as it has candidates, however
    /// long the backlog behind them. Returns the entries read, or null past <see cref="ReconcilerOptions.MaxStreamScan"/>.
    /// </summary>
    private async Task<int?> ScanStreamAsync(HashSet<string> missing, CancellationToken ct)
    {
        const int page = 1000;
        var db = redis.GetDatabase();
        RedisValue from = "-";
        var read = 0;
        while (missing.Count > 0)
        {
            if (read >= _o.MaxStreamScan) return null;
            ct.ThrowIfCancellationRequested();
            var entries = await db.StreamRangeAsync(queueOptions.Value.StreamKey, from, "+", page);
            read += entries.Length;
            foreach (var entry in entries)
                if ((string?)entry[RedisStreamQueue.ExecutionIdField] is { } id) missing.Remove(id);
            if (entries.Length < page) break;
            from = "(" + entries[^1].Id; // exclusive start (Redis 6.2+)
        }
        return read;
    }
}

/// <summary>What one reconciliation pass saw and did.</summary>
/// <param name="Leader">False when another process holds the lease (this process did nothing).</param>
/// <param name="Candidates">Executions the store says are waiting past the grace period or on a lapsed lease.</param>
/// <param name="StreamEntries">Stream entries read to find the candidates (from the head, until all were seen).</param>
/// <param name="Recovered">Candidates the stream did not hold, enqueued again.</param>
public sealed record ReconcilePass(bool Leader, int Candidates, int StreamEntries, int Recovered)
{
    /// <summary>Losses were found and more candidates wait behind this pass's: the next pass should run at once.</summary>
    public bool Continues { get; init; }

    public static readonly ReconcilePass NotLeader = new(false, 0, 0, 0);
}
