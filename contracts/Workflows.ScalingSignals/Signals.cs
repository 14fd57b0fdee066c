namespace Workflows.ScalingSignals;

/// <summary>
/// The scaling signals, defined once. The namespace and the first three metrics are the source document's
/// (scaling-strategy.md, "커스텀 메트릭 기반 스케일링"); every value is published each <see cref="PeriodSeconds"/>.
/// </summary>
public static class Signals
{
    public const string Namespace = "N8nFrontend";
    public const int PeriodSeconds = 60;

    /// <summary>Every signal carries the environment (dev, prod), so environments sharing an account never mix.</summary>
    public const string EnvironmentDimension = "Environment";
    /// <summary>WorkflowExecutions is split by terminal status (succeeded, failed, timed-out, canceled).</summary>
    public const string StatusDimension = "Status";
    /// <summary>SlowOperations is split by where the time went: database, cache, api.</summary>
    public const string ComponentDimension = "Component";

    /// <summary>The statuses WorkflowExecutions is published for each period (zeros included, so alarms always have data).</summary>
    public static readonly IReadOnlyList<string> Statuses = ["succeeded", "failed", "timed-out", "canceled"];
    public static readonly IReadOnlyList<string> Components = ["database", "cache", "api"];

    /// <summary>The real backlog: entries not yet delivered plus delivered and not acknowledged. Workers scale on it.</summary>
    public static readonly ScalingSignal QueueLength = new("QueueLength", SignalUnit.Count, "Average",
        [EnvironmentDimension], "Executions waiting or running (stream lag + pending)");

    /// <summary>Executions that finished in the period, by status.</summary>
    public static readonly ScalingSignal WorkflowExecutions = new("WorkflowExecutions", SignalUnit.Count, "Sum",
        [EnvironmentDimension, StatusDimension], "Executions finished in the period");

    /// <summary>HTTP response time of the API role, as a statistic set (sum, count, min, max) so the mean is exact across instances.</summary>
    public static readonly ScalingSignal AverageResponseTime = new("AverageResponseTime", SignalUnit.Milliseconds, "Average",
        [EnvironmentDimension], "Mean API response time");

    /// <summary>Every API response time as a distribution (values and counts), so CloudWatch computes percentiles: the web tier scales on p95.</summary>
    public static readonly ScalingSignal ResponseTime = new("ResponseTime", SignalUnit.Milliseconds, "p95",
        [EnvironmentDimension], "API response time distribution (read as p95)");

    /// <summary>Operations over the bottleneck detector's thresholds (database 100 ms, api 200 ms, cache 10 ms).</summary>
    public static readonly ScalingSignal SlowOperations = new("SlowOperations", SignalUnit.Count, "Sum",
        [EnvironmentDimension, ComponentDimension], "Operations slower than their threshold");

    /// <summary>Workflow reads answered by the two-level cache (L1 memory or L2 Redis) and those that reached the store.</summary>
    public static readonly ScalingSignal CacheHits = new("CacheHits", SignalUnit.Count, "Sum", [EnvironmentDimension], "Workflow reads served by the cache");
    public static readonly ScalingSignal CacheMisses = new("CacheMisses", SignalUnit.Count, "Sum", [EnvironmentDimension], "Workflow reads that reached the store");

    /// <summary>Metric batches the publisher dropped because its buffer was full (CloudWatch slow or away).</summary>
    public static readonly ScalingSignal MetricsDropped = new("MetricsDropped", SignalUnit.Count, "Sum",
        [EnvironmentDimension], "Metric batches dropped by the publisher");

    /// <summary>Accepted executions the reconciler enqueued again because the queue had lost them (Redis restarted empty, a failover).</summary>
    public static readonly ScalingSignal RecoveredExecutions = new("RecoveredExecutions", SignalUnit.Count, "Sum",
        [EnvironmentDimension], "Executions re-enqueued after the queue lost them");

    public static IReadOnlyList<ScalingSignal> All =>
        [QueueLength, WorkflowExecutions, AverageResponseTime, ResponseTime, SlowOperations, CacheHits, CacheMisses, MetricsDropped, RecoveredExecutions];
}
