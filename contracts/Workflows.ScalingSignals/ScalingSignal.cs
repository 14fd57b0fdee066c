namespace Workflows.ScalingSignals;

/// <summary>CloudWatch units used by the signals (the API's names).</summary>
public enum SignalUnit { Count, Milliseconds, Percent }

/// <summary>
/// One CloudWatch metric as both halves must see it: the service publishes it under <see cref="Signals.Namespace"/>
/// with exactly <see cref="Dimensions"/>; scaling policies, KEDA triggers, alarms and the dashboard read it with the
/// same name, dimensions, <see cref="Statistic"/> and <see cref="Signals.PeriodSeconds"/>.
/// </summary>
public sealed record ScalingSignal(string Name, SignalUnit Unit, string Statistic, IReadOnlyList<string> Dimensions, string Description)
{
    /// <summary>CloudWatch's unit name, e.g. <c>Count</c>, <c>Milliseconds</c>.</summary>
    public string UnitName => Unit.ToString();
}
