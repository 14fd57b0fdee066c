namespace Infra.Rehearsal.Simulation;

/// <summary>One row of the time series (every <see cref="RehearsalResult.SampleSeconds"/>).</summary>
public sealed record Sample
{
    public double T { get; init; }
    public double Users { get; init; }
    public double RequestsPerSecond { get; init; }
    public double ExecutionsPerSecond { get; init; }
    public int WebDesired { get; init; }
    public int WebInService { get; init; }
    public int WebServing { get; init; }
    public double WebCpuPercent { get; init; }
    public double LatencyP50Ms { get; init; }
    public double LatencyP95Ms { get; init; }
    public double ErrorRate { get; init; }
    public double QueueLength { get; init; }
    /// <summary>The QueueLength datapoint KEDA's query returns at this moment (what the HPA acts on).</summary>
    public double? QueueLengthSeen { get; init; }
    public double QueueWaitSeconds { get; init; }
    public int WorkersDesired { get; init; }
    public int WorkersReady { get; init; }
    public int PodsPending { get; init; }
    public double WorkerCpuPercentOfRequest { get; init; }
    public int NodesDesired { get; init; }
    public int NodesReady { get; init; }
}

public sealed record TierSummary(string Tier, IReadOnlyList<(string Figure, string Value)> Figures);

/// <summary>A threshold of the profile against what the rehearsal measured.</summary>
public sealed record SloCheck(string Name, double Measured, double Threshold, string Unit)
{
    public bool Met => Measured < Threshold;
}

public sealed record RehearsalResult
{
    public required string Environment { get; init; }
    public required string Profile { get; init; }
    public required double DurationSeconds { get; init; }
    public required double SampleSeconds { get; init; }
    public required IReadOnlyList<Sample> Series { get; init; }
    /// <summary>What the web tier's capacity is counted in: instances (asg) or pods (eks).</summary>
    public string WebUnit { get; init; } = "instances";
    public required IReadOnlyList<TierSummary> Tiers { get; init; }
    public required IReadOnlyList<SloCheck> Slo { get; init; }
    /// <summary>What the rehearsal read from the templates, as lines for the report.</summary>
    public required IReadOnlyList<string> Policies { get; init; }
    /// <summary>Findings about the policies worth a reader's attention (e.g. basic monitoring on a CPU target).</summary>
    public required IReadOnlyList<string> Findings { get; init; }
    public required IReadOnlyList<string> Assumptions { get; init; }
    /// <summary>Per request name: p50/p95/p99 latency and failures.</summary>
    public required IReadOnlyList<(string Request, double P50, double P95, double P99, double Requests, double Failed)> Requests { get; init; }
    public required double QueueLengthTarget { get; init; }
    public required double LatencyThresholdMs { get; init; }
    public bool Passed => Slo.All(s => s.Met);
}
