using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Workflows.Service.Metrics;

/// <summary>Section <c>Bottlenecks</c>: the source document's thresholds.</summary>
public sealed class BottleneckOptions
{
    public const string Section = "Bottlenecks";

    public int DatabaseMilliseconds { get; set; } = 100;
    public int ApiMilliseconds { get; set; } = 200;
    public int CacheMilliseconds { get; set; } = 10;
}

/// <summary>
/// The source document's BottleneckDetector, applied once at three seams (store decorators, the cache wrapper and the
/// HTTP pipeline) instead of at every call site: an operation over its component's threshold is logged as a
/// structured warning (component, operation, duration, threshold) and counted in the SlowOperations signal.
/// </summary>
public sealed class BottleneckDetector(IOptions<BottleneckOptions> options, SignalRecorder recorder, ILogger<BottleneckDetector> logger)
{
    public const string Database = "database";
    public const string Cache = "cache";
    public const string Api = "api";

    public int ThresholdMilliseconds(string component) => component switch
    {
        Database => options.Value.DatabaseMilliseconds,
        Cache => options.Value.CacheMilliseconds,
        Api => options.Value.ApiMilliseconds,
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, null),
    };

    public void Observe(string component, string operation, TimeSpan elapsed)
    {
        var threshold = ThresholdMilliseconds(component);
        if (elapsed.TotalMilliseconds <= threshold) return;
        recorder.RecordSlowOperation(component);
        logger.LogWarning("Slow {Component} operation {Operation}: {DurationMs:0.0} ms (threshold {ThresholdMs} ms)",
            component, operation, elapsed.TotalMilliseconds, threshold);
    }

    public async Task<T> MeasureAsync<T>(string component, string operation, Func<Task<T>> action)
    {
        var started = Stopwatch.GetTimestamp();
        try { return await action(); }
        finally { Observe(component, operation, Stopwatch.GetElapsedTime(started)); }
    }

    public async Task MeasureAsync(string component, string operation, Func<Task> action)
    {
        var started = Stopwatch.GetTimestamp();
        try { await action(); }
        finally { Observe(component, operation, Stopwatch.GetElapsedTime(started)); }
    }
}
