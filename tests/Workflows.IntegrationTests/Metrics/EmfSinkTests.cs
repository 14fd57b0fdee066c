using System.Text.Json.Nodes;
using Workflows.ScalingSignals;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Metrics;

public class EmfSinkTests
{
    private static MetricBatch Busy()
    {
        var recorder = new SignalRecorder();
        var random = new Random(7);
        for (var i = 0; i < 5000; i++) recorder.RecordResponse(1 + random.NextDouble() * 400);
        recorder.RecordExecutionFinished("succeeded");
        recorder.RecordExecutionFinished("failed");
        recorder.RecordSlowOperation("database");
        recorder.RecordCacheRead(true);
        return new MetricBatch(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), recorder.Drain().ToData("dev", queueLength: 42));
    }

    [Fact]
    public void Every_document_validates_against_the_emf_schema()
    {
        var documents = EmfSink.Documents(Busy()).ToList();
        Assert.NotEmpty(documents);
        foreach (var doc in documents) Assert.Empty(EmfValidator.Problems(doc));
    }

    [Fact]
    public void Documents_carry_the_contracts_names_units_and_dimensions()
    {
        var documents = EmfSink.Documents(Busy()).ToList();
        var main = documents.Single(d => d["QueueLength"] is not null);
        Assert.Equal(42, main["QueueLength"]!.GetValue<double>());
        Assert.Equal("dev", main["Environment"]!.GetValue<string>());
        var directive = main["_aws"]!["CloudWatchMetrics"]![0]!;
        Assert.Equal(Signals.Namespace, directive["Namespace"]!.GetValue<string>());
        Assert.Equal("""[["Environment"]]""", directive["Dimensions"]!.ToJsonString());
        Assert.Contains(directive["Metrics"]!.AsArray(), m => m!["Name"]!.GetValue<string>() == "QueueLength" && m["Unit"]!.GetValue<string>() == "Count");

        var failed = documents.Single(d => d["Status"]?.GetValue<string>() == "failed");
        Assert.Equal(1, failed["WorkflowExecutions"]!.GetValue<double>());
        Assert.Equal("""[["Environment","Status"]]""", failed["_aws"]!["CloudWatchMetrics"]![0]!["Dimensions"]!.ToJsonString());

        // 5000 response times: scaled to at most 1000 samples, at most 100 per document.
        var samples = documents.Where(d => d["ResponseTime"] is JsonArray).SelectMany(d => d["ResponseTime"]!.AsArray()).Select(v => v!.GetValue<double>()).ToList();
        Assert.InRange(samples.Count, 900, EmfSink.MaxSamples + 100);
        Assert.All(documents.Where(d => d["ResponseTime"] is JsonArray), d => Assert.True(d["ResponseTime"]!.AsArray().Count <= 100));
        var p95 = samples.Order().ElementAt((int)(samples.Count * 0.95));
        Assert.InRange(p95, 370, 400); // uniform 1–401 ms: p95 ≈ 381
    }

    [Fact]
    public void Down_sampling_keeps_the_tail_where_it_is()
    {
        // 100,000 requests: 99 % around 20–40 ms, 1 % spread thinly over 500–1500 ms (many rare buckets).
        var recorder = new SignalRecorder();
        var random = new Random(3);
        var values = new List<double>();
        for (var i = 0; i < 100_000; i++)
        {
            var v = i % 100 == 0 ? 500 + random.NextDouble() * 1000 : 20 + random.NextDouble() * 20;
            values.Add(v);
            recorder.RecordResponse(v);
        }
        var data = recorder.Drain().ToData("dev", 0).Single(d => d.Name == "ResponseTime");
        var samples = EmfSink.Samples(data.Distribution!).Order().ToList();
        Assert.InRange(samples.Count, 990, EmfSink.MaxSamples);
        var truth = values.Order().ElementAt(95_000);
        var sampled = samples[(int)(samples.Count * 0.95)];
        Assert.InRange(sampled, truth * 0.9, truth * 1.1); // p95 stays in the 20–40 ms body, not in the rare tail
    }

    [Fact]
    public async Task Lines_reach_the_writer_one_document_each()
    {
        var lines = new List<string>();
        await new EmfSink((line, _) => { lines.Add(line); return Task.CompletedTask; }).SendAsync(Busy(), TestContext.Current.CancellationToken);
        Assert.All(lines, l => Assert.DoesNotContain('\n', l));
        Assert.All(lines, l => Assert.Empty(EmfValidator.Problems(JsonNode.Parse(l)!)));
    }

    [Fact]
    public void A_bad_target_is_named() =>
        Assert.Contains("Metrics:EmfTarget 'file:///x'", Assert.Throws<InvalidOperationException>(() => EmfSink.ForTarget("file:///x")).Message);
}
