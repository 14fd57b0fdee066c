namespace Infra.Rehearsal.Aws;

/// <summary>
/// One CloudWatch metric as alarms and KEDA see it: one datapoint per period, readable only after the ingestion delay.
/// </summary>
public sealed class MetricStream(int periodSeconds, double ingestDelaySeconds)
{
    private readonly List<(double PeriodEnd, double Value)> _points = [];

    public int PeriodSeconds { get; } = periodSeconds;

    /// <summary>Records the datapoint of the period that ends at <paramref name="periodEnd"/> (seconds since the start).</summary>
    public void Add(double periodEnd, double value) => _points.Add((periodEnd, value));

    /// <summary>Datapoints readable at <paramref name="now"/>, newest last.</summary>
    public IEnumerable<(double PeriodEnd, double Value)> Visible(double now) =>
        _points.Where(p => p.PeriodEnd + ingestDelaySeconds <= now);

    /// <summary>The newest readable datapoint, or null when none is.</summary>
    public double? Latest(double now)
    {
        for (var i = _points.Count - 1; i >= 0; i--)
            if (_points[i].PeriodEnd + ingestDelaySeconds <= now) return _points[i].Value;
        return null;
    }

    /// <summary>The last <paramref name="count"/> readable datapoints that end at or before <paramref name="now"/> (fewer when missing).</summary>
    public List<double> LastVisible(double now, int count)
    {
        var result = new List<double>(count);
        for (var i = _points.Count - 1; i >= 0 && result.Count < count; i--)
            if (_points[i].PeriodEnd + ingestDelaySeconds <= now) result.Add(_points[i].Value);
        result.Reverse();
        return result;
    }
}

/// <summary>
/// A CloudWatch alarm evaluated like CloudWatch: the last N periods' datapoints, ALARM when at least M breach; missing
/// data does not breach. Auto Scaling actions are invoked every minute while the alarm stays in ALARM (documented:
/// "the alarm continues to invoke the action once per minute that the alarm remains in the new state").
/// </summary>
public sealed class AlarmEvaluator(MetricStream stream, int evaluationPeriods, int datapointsToAlarm, Func<double, bool> breaches)
{
    public bool InAlarm { get; private set; }

    public bool Evaluate(double now)
    {
        var points = stream.LastVisible(now, evaluationPeriods);
        InAlarm = points.Count(breaches) >= datapointsToAlarm;
        return InAlarm;
    }

    /// <summary>The newest readable value (what a step policy compares with its step bounds).</summary>
    public double? Current(double now) => stream.Latest(now);
}
