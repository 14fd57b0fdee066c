using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Metrics;

public class BottleneckDetectorTests
{
    [Fact]
    public async Task Slow_operations_are_logged_with_their_numbers_and_counted()
    {
        var recorder = new SignalRecorder();
        var logger = new ListLogger();
        var detector = new BottleneckDetector(Options.Create(new BottleneckOptions { DatabaseMilliseconds = 20, CacheMilliseconds = 1000 }), recorder, logger);

        await detector.MeasureAsync(BottleneckDetector.Database, "workflows.get", () => Task.Delay(60, TestContext.Current.CancellationToken));
        await detector.MeasureAsync(BottleneckDetector.Cache, "workflows.get", () => Task.Delay(5, TestContext.Current.CancellationToken));
        await detector.MeasureAsync(BottleneckDetector.Database, "workflows.list", () => Task.CompletedTask);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("database", entry.State["Component"]);
        Assert.Equal("workflows.get", entry.State["Operation"]);
        Assert.Equal(20, entry.State["ThresholdMs"]);
        Assert.True((double)entry.State["DurationMs"]! >= 55);
        Assert.Equal(1, recorder.Drain().Slow["database"]);
    }

    [Fact]
    public void The_source_documents_thresholds_are_the_defaults()
    {
        var o = new BottleneckOptions();
        Assert.Equal((100, 200, 10), (o.DatabaseMilliseconds, o.ApiMilliseconds, o.CacheMilliseconds));
    }

    private sealed class ListLogger : ILogger<BottleneckDetector>
    {
        public List<(LogLevel Level, Dictionary<string, object?> State)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, ((IEnumerable<KeyValuePair<string, object?>>)state!).ToDictionary(kv => kv.Key, kv => kv.Value)));
    }
}
