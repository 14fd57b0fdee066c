using Workflows.ScalingSignals;

namespace Workflows.Service.Metrics;

/// <summary>
/// Collects the service's signals between publishes. Recording is a few arithmetic operations under a short lock
/// (no allocation on the request path beyond the histogram's first use of a bucket); <see cref="Drain"/> swaps the
/// period out. Response times go into a histogram whose buckets keep two significant digits (1 % resolution), so a
/// period's distribution stays small however many requests it saw, and percentiles come from real values.
/// </summary>
public sealed class SignalRecorder(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly LiveSignals _live = new(time);
    private Period _current = new();

    public SignalRecorder() : this(TimeProvider.System) { }

    public void RecordResponse(double milliseconds)
    {
        lock (_gate)
        {
            _current.Response(milliseconds);
            _live.Current().Response(milliseconds);
        }
    }

    public void RecordExecutionFinished(string status)
    {
        lock (_gate)
        {
            _current.Executions[status] = _current.Executions.GetValueOrDefault(status) + 1;
            var slice = _live.Current();
            slice.Executions[status] = slice.Executions.GetValueOrDefault(status) + 1;
        }
    }

    public void RecordSlowOperation(string component)
    {
        lock (_gate) _current.Slow[component] = _current.Slow.GetValueOrDefault(component) + 1;
    }

    public void RecordCacheRead(bool hit)
    {
        lock (_gate)
        {
            var slice = _live.Current();
            if (hit) { _current.CacheHits++; slice.CacheHits++; }
            else { _current.CacheMisses++; slice.CacheMisses++; }
        }
    }

    /// <summary>The last five minutes in 5-second slices (the console's live panel); publishing is unaffected.</summary>
    public IReadOnlyList<LiveSlice> Recent()
    {
        lock (_gate) return _live.Snapshot();
    }

    public void RecordRecovered(int count)
    {
        lock (_gate) _current.Recovered += count;
    }

    public void RecordDroppedBatch()
    {
        lock (_gate) _current.Dropped++;
    }

    /// <summary>Takes the period so far and starts a new one.</summary>
    public Period Drain()
    {
        lock (_gate)
        {
            var done = _current;
            _current = new Period();
            return done;
        }
    }

    /// <summary>Two significant digits: 0.123 → 0.12, 1234 → 1200. Bounded bucket count, 1 % resolution.</summary>
    public static double Bucket(double value)
    {
        if (value <= 0) return 0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)) - 1);
        return Math.Round(Math.Round(value / magnitude) * magnitude, 6);
    }

    public sealed class Period
    {
        public long ResponseCount { get; private set; }
        public double ResponseSum { get; private set; }
        public double ResponseMin { get; private set; } = double.MaxValue;
        public double ResponseMax { get; private set; }
        public SortedDictionary<double, int> ResponseHistogram { get; } = new();
        public Dictionary<string, long> Executions { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, long> Slow { get; } = new(StringComparer.Ordinal);
        public long Dropped { get; internal set; }
        public long Recovered { get; internal set; }
        public long CacheHits { get; internal set; }
        public long CacheMisses { get; internal set; }

        internal void Response(double ms)
        {
            ResponseCount++;
            ResponseSum += ms;
            ResponseMin = Math.Min(ResponseMin, ms);
            ResponseMax = Math.Max(ResponseMax, ms);
            var bucket = Bucket(ms);
            ResponseHistogram[bucket] = ResponseHistogram.GetValueOrDefault(bucket) + 1;
        }

        /// <summary>The period as metric data under the contract's names and dimensions.</summary>
        public List<MetricDatum> ToData(string environment, long? queueLength)
        {
            var env = new Dictionary<string, string> { [Signals.EnvironmentDimension] = environment };
            var data = new List<MetricDatum>();
            if (queueLength is { } backlog)
                data.Add(new MetricDatum(Signals.QueueLength.Name, Signals.QueueLength.UnitName, env) { Value = backlog });
            foreach (var status in Signals.Statuses)
                data.Add(new MetricDatum(Signals.WorkflowExecutions.Name, Signals.WorkflowExecutions.UnitName,
                    new Dictionary<string, string>(env) { [Signals.StatusDimension] = status }) { Value = Executions.GetValueOrDefault(status) });
            if (ResponseCount > 0)
            {
                data.Add(new MetricDatum(Signals.AverageResponseTime.Name, Signals.AverageResponseTime.UnitName, env)
                {
                    Statistics = new StatisticSet(ResponseSum, ResponseCount, ResponseMin, ResponseMax),
                });
                data.Add(new MetricDatum(Signals.ResponseTime.Name, Signals.ResponseTime.UnitName, env)
                {
                    Distribution = ResponseHistogram.Select(kv => (kv.Key, kv.Value)).ToList(),
                });
            }
            foreach (var component in Signals.Components)
                data.Add(new MetricDatum(Signals.SlowOperations.Name, Signals.SlowOperations.UnitName,
                    new Dictionary<string, string>(env) { [Signals.ComponentDimension] = component }) { Value = Slow.GetValueOrDefault(component) });
            data.Add(new MetricDatum(Signals.CacheHits.Name, Signals.CacheHits.UnitName, env) { Value = CacheHits });
            data.Add(new MetricDatum(Signals.CacheMisses.Name, Signals.CacheMisses.UnitName, env) { Value = CacheMisses });
            data.Add(new MetricDatum(Signals.MetricsDropped.Name, Signals.MetricsDropped.UnitName, env) { Value = Dropped });
            data.Add(new MetricDatum(Signals.RecoveredExecutions.Name, Signals.RecoveredExecutions.UnitName, env) { Value = Recovered });
            return data;
        }
    }
}
