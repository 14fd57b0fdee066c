namespace Workflows.Service.Options;

/// <summary>Section <c>Reconciler</c>: how the store and the queue are kept in agreement (queue mode).</summary>
public sealed class ReconcilerOptions
{
    public const string Section = "Reconciler";

    public bool Enabled { get; set; } = true;

    /// <summary>Seconds between passes. One process at a time runs them (a lease in the store).</summary>
    public int IntervalSeconds { get; set; } = 10;

    /// <summary>A queued execution younger than this is left alone: its enqueue may still be on its way.</summary>
    public int QueuedGraceSeconds { get; set; } = 10;

    /// <summary>Candidates are read from the store in pages of this many.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>
    /// At most this many of the oldest waiting executions are checked (and re-enqueued) per pass. A pass's cost follows
    /// it: with 112,000 executions waiting, checking all of them every 10 s took ~0.66 s of CPU and cut the API's
    /// throughput by a third for a second. Losses behind more than this many older, still-held executions are found
    /// as the workers drain the backlog; after a pass that re-enqueued anything from a full set the next runs at once.
    /// </summary>
    public int MaxCandidatesPerPass { get; set; } = 10_000;

    /// <summary>At most this many stream entries are read per pass to learn what the queue holds.</summary>
    public int MaxStreamScan { get; set; } = 200_000;

    public string? Problem() =>
        IntervalSeconds is < 1 or > 3600 ? "Reconciler:IntervalSeconds must be from 1 to 3600"
        : QueuedGraceSeconds is < 1 or > 86_400 ? "Reconciler:QueuedGraceSeconds must be from 1 to 86400"
        : BatchSize is < 1 or > 100_000 ? "Reconciler:BatchSize must be from 1 to 100000"
        : MaxCandidatesPerPass < BatchSize ? "Reconciler:MaxCandidatesPerPass must be at least Reconciler:BatchSize"
        : MaxStreamScan < 1000 ? "Reconciler:MaxStreamScan must be at least 1000"
        : null;
}
