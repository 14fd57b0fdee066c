namespace Workflows.Service.Options;

/// <summary>Section <c>Queue</c>: backpressure, worker concurrency and crash recovery.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queue";

    /// <summary>At or above this backlog, execute answers 503 with Retry-After and stores nothing.</summary>
    public long MaxBacklog { get; set; } = 10_000;
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// How long one reading of the backlog (XINFO GROUPS) serves execute requests, plus what this process published
    /// since: one Redis round trip per interval instead of one per request. 0 reads it on every request. Within the
    /// interval the limit is exact for this process and may be overshot by what other API processes accept.
    /// </summary>
    public int BacklogReadMilliseconds { get; set; } = 100;

    /// <summary>Executions one worker process runs at once.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>
    /// Entries a worker reads ahead of its free slots, so a slot that frees starts the next execution at once instead of
    /// after a stream round trip (one-node workflows ran at ~1 read per execution). Read-ahead entries are pending for
    /// this worker like running ones: kept fresh by the heartbeat, and handed back for other workers to take at once
    /// when the worker stops. 0 reads only for free slots.
    /// </summary>
    public int Prefetch { get; set; } = 8;

    /// <summary>Starts allowed per execution before it is dead-lettered (counts crashes, not node retries).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>A delivered entry idle this long (its worker died) is reclaimed by another worker.
    /// Live workers refresh their entries at a third of this, so long runs are not stolen.</summary>
    public int ClaimIdleSeconds { get; set; } = 60;

    /// <summary>
    /// The lease a worker's start takes in the store, renewed with every heartbeat (a third of the idle time): two
    /// heartbeats long, so it lapses before the stream entry may be reclaimed and a reclaim is never refused.
    /// </summary>
    public TimeSpan WorkerLease => TimeSpan.FromSeconds(ClaimIdleSeconds * 2.0 / 3);

    /// <summary>Fallback poll when no wake-up notification arrives.</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Redis key names (queue mode).</summary>
    public string StreamKey { get; set; } = "workflows:executions";
    public string ConsumerGroup { get; set; } = "workers";
    public string DeadLetterStreamKey { get; set; } = "workflows:executions:dead";

    /// <summary>Capacity of the in-process channel (inprocess mode).</summary>
    public int InProcessCapacity { get; set; } = 10_000;
}
