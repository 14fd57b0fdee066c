namespace Workflows.ScalingSignals;

/// <summary>
/// The scaling signals, defined once. The namespace and the first three metrics are the source document's
/// (scaling-strategy.md, "커스텀 메트릭 기반 스케일링"); every value is published each <see cref="PeriodSeconds"/>.
/// </summary>
public static class ScalingSignals
{
    public const string Namespace = "N8nFrontend";
    public const int PeriodSeconds = 60;

    /// <summary>Every signal carries the environment (dev, prod), so environments sharing an account never mix.</summary>
    public const string EnvironmentDimension = "Environment";
    /// <summary>WorkflowExecutions is split by terminal status (succeeded, failed, timed-out, canceled).</summary>
    public const string StatusDimension = "Status";

    /// <summary>The real backlog: entries not yet delivered plus delivered and not acknowledged. Workers scale on it.</summary>
    public static readonly ScalingSignal QueueLength = new("QueueLength", SignalUnit.Count, "Average",
        [EnvironmentDimension], "Executions waiting or running (stream lag + pending)");

    /// <summary>Executions that finished in the period, by status.</summary>
    public static readonly ScalingSignal WorkflowExecutions = new("WorkflowExecutions", SignalUnit.Count, "Sum",
        [EnvironmentDimension, StatusDimension], "Executions finished in the period");

    /// <summary>HTTP response time of the API role.</summary>
    public static readonly ScalingSignal AverageResponseTime = new("AverageResponseTime", SignalUnit.Milliseconds, "Average",
        [EnvironmentDimension], "Mean API response time");

    public static IReadOnlyList<ScalingSignal> All => [QueueLength, WorkflowExecutions, AverageResponseTime];
}
