namespace Workflows.Service.Metrics;

/// <summary>One metric value for one period, in the shape both sinks can write.</summary>
public sealed record MetricDatum(string Name, string Unit, IReadOnlyDictionary<string, string> Dimensions)
{
    public double? Value { get; init; }
    /// <summary>Sum, count, min, max: an exact mean across publishers.</summary>
    public StatisticSet? Statistics { get; init; }
    /// <summary>A distribution: distinct values and how often each occurred (percentiles).</summary>
    public IReadOnlyList<(double Value, int Count)>? Distribution { get; init; }
}

public sealed record StatisticSet(double Sum, long Count, double Min, double Max);

/// <summary>Everything published for one period.</summary>
public sealed record MetricBatch(DateTimeOffset Timestamp, IReadOnlyList<MetricDatum> Data);
