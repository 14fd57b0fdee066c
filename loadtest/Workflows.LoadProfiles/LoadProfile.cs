namespace Workflows.LoadProfiles;

/// <summary>
/// A load profile: how many virtual users over time (stages, as k6's ramping VUs), what each user does in a loop
/// (requests and think times, as the seed's k6 script), and the thresholds that decide pass or fail. One file feeds
/// both the scaling rehearsal (as arrival rates) and the load test (as real users).
/// </summary>
public sealed record LoadProfile
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public required IReadOnlyList<Stage> Stages { get; init; }
    public required IReadOnlyList<Step> Steps { get; init; }
    public Thresholds Thresholds { get; init; } = new();
    /// <summary>For a stress profile: stop at the first window that breaks a threshold, and report it as the knee.</summary>
    public bool StopOnBreach { get; init; }

    public TimeSpan Duration => Stages.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    /// <summary>Virtual users at <paramref name="t"/>: each stage ramps linearly from the previous target (0 at first) to its own.</summary>
    public double UsersAt(TimeSpan t)
    {
        double from = 0;
        var start = TimeSpan.Zero;
        foreach (var stage in Stages)
        {
            if (t < start + stage.Duration)
                return from + (stage.Target - from) * ((t - start) / stage.Duration);
            from = stage.Target;
            start += stage.Duration;
        }
        return from;
    }

    public int PeakUsers => Stages.Max(s => s.Target);

    /// <summary>One pass through the steps with no waiting on answers: the think times alone.</summary>
    public TimeSpan ThinkTimePerIteration => Steps.OfType<Think>().Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    public IEnumerable<Request> Requests => Steps.OfType<Request>();

    /// <summary>
    /// The same profile with every stage's duration multiplied by <paramref name="factor"/> (0.1: the 12-minute seed in
    /// 72 s). Think times stay: each user keeps its pace, so the load at each level is the profile's, only the levels
    /// come and go faster.
    /// </summary>
    public LoadProfile TimeScaled(double factor) => factor == 1 ? this : this with
    {
        Stages = Stages.Select(s => s with { Duration = s.Duration * factor }).ToList(),
    };
}

/// <summary>Ramp to <see cref="Target"/> users over <see cref="Duration"/>.</summary>
public sealed record Stage(TimeSpan Duration, int Target);

/// <summary>One step of a virtual user's loop.</summary>
public abstract record Step;

/// <summary>An HTTP request. <see cref="Path"/> may hold <c>{workflowId}</c>, replaced by the workflow the run created.</summary>
/// <param name="Name">Names the request in results and plots (per-endpoint figures).</param>
/// <param name="Expect">Statuses that count as success.</param>
/// <param name="StartsExecution">The request queues a workflow execution (what the worker tier sees).</param>
public sealed record Request(string Name, string Method, string Path, string? Body, IReadOnlyList<int> Expect, bool StartsExecution) : Step;

public sealed record Think(TimeSpan Duration) : Step;

/// <summary>Pass/fail: the seed's p95 &lt; 500 ms and errors &lt; 1 %, plus how long an execution may wait in the queue.</summary>
public sealed record Thresholds
{
    public double LatencyP95Milliseconds { get; init; } = 500;
    /// <summary>A fraction: 0.01 is 1 %.</summary>
    public double ErrorRate { get; init; } = 0.01;
    public double QueueWaitP95Seconds { get; init; } = 60;
}
