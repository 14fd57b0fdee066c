namespace Workflows.Service.Metrics;

/// <summary>
/// The last five minutes of this process's signals in 5-second slices, for the console's live panel
/// (<c>GET /api/signals</c>). The published period is a minute long; a person watching a run wants seconds. The
/// recorder writes each value into the current slice under its own lock, so this class is not thread-safe alone.
/// </summary>
public sealed class LiveSignals(TimeProvider time)
{
    public const int SliceSeconds = 5;
    public const int SliceCount = 60;

    private readonly SignalRecorder.Period[] _slices = new SignalRecorder.Period[SliceCount];
    private readonly long[] _numbers = Enumerable.Repeat(-1L, SliceCount).ToArray();

    private long Now => time.GetUtcNow().ToUnixTimeSeconds() / SliceSeconds;

    /// <summary>The slice that records now (a slice older than five minutes is reused).</summary>
    internal SignalRecorder.Period Current()
    {
        var n = Now;
        var i = (int)(n % SliceCount);
        if (_numbers[i] != n)
        {
            _numbers[i] = n;
            _slices[i] = new SignalRecorder.Period();
        }
        return _slices[i];
    }

    /// <summary>The slices of the last five minutes, oldest first, zeros where nothing happened.</summary>
    internal IReadOnlyList<LiveSlice> Snapshot()
    {
        var now = Now;
        var result = new List<LiveSlice>(SliceCount);
        for (var n = now - SliceCount + 1; n <= now; n++)
        {
            var i = (int)(n % SliceCount);
            var start = DateTimeOffset.FromUnixTimeSeconds(n * SliceSeconds);
            result.Add(_numbers[i] == n ? LiveSlice.Of(start, _slices[i]) : LiveSlice.Empty(start));
        }
        return result;
    }
}

/// <summary>One slice: executions finished by status, responses and their p95, workflow cache reads.</summary>
public sealed record LiveSlice(DateTimeOffset Start, IReadOnlyDictionary<string, long> Executions, long Responses, double? P95Milliseconds,
    long CacheHits, long CacheMisses)
{
    internal static LiveSlice Empty(DateTimeOffset start) => new(start, new Dictionary<string, long>(), 0, null, 0, 0);

    internal static LiveSlice Of(DateTimeOffset start, SignalRecorder.Period p) =>
        new(start, new Dictionary<string, long>(p.Executions), p.ResponseCount, Percentile(p.ResponseHistogram, p.ResponseCount, 0.95), p.CacheHits, p.CacheMisses);

    private static double? Percentile(SortedDictionary<double, int> histogram, long count, double q)
    {
        if (count == 0) return null;
        var rank = Math.Ceiling(q * count);
        long seen = 0;
        foreach (var (value, n) in histogram)
        {
            seen += n;
            if (seen >= rank) return value;
        }
        return histogram.Keys.Last();
    }
}
