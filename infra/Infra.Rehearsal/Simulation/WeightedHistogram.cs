namespace Infra.Rehearsal.Simulation;

/// <summary>Weighted values in buckets of two significant digits (1 % resolution), for quantiles over long runs.</summary>
public sealed class WeightedHistogram
{
    private readonly SortedDictionary<double, double> _buckets = new();

    public double Total { get; private set; }

    public void Add(double value, double weight)
    {
        if (weight <= 0) return;
        var bucket = Bucket(value);
        _buckets[bucket] = _buckets.GetValueOrDefault(bucket) + weight;
        Total += weight;
    }

    public void Add(WeightedHistogram other)
    {
        foreach (var (k, v) in other._buckets) { _buckets[k] = _buckets.GetValueOrDefault(k) + v; Total += v; }
    }

    public double Quantile(double q)
    {
        if (Total <= 0) return 0;
        var seen = 0.0;
        foreach (var (value, weight) in _buckets)
        {
            seen += weight;
            if (seen >= q * Total - 1e-9) return value;
        }
        return _buckets.Keys.Last();
    }

    public void Clear()
    {
        _buckets.Clear();
        Total = 0;
    }

    private static double Bucket(double value)
    {
        if (value <= 0) return 0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)) - 1);
        return Math.Round(value / magnitude) * magnitude;
    }
}
