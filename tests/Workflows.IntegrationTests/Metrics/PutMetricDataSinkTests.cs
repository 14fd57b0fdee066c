using System.Collections.Concurrent;
using System.Text;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>The PutMetricData sink against a local HTTP listener standing in for CloudWatch: content, limits, signature, retries.</summary>
public sealed class PutMetricDataSinkTests : IAsyncLifetime
{
    private static readonly SigningCredentials Credentials = new("AKIDTEST", "secret/key+value", "session-token");
    private readonly ConcurrentQueue<(Dictionary<string, string> Headers, string Body)> _requests = new();
    private WebApplication _server = null!;
    private int _throttleFirst;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            _requests.Enqueue((request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body));
            if (Interlocked.Decrement(ref _throttleFirst) >= 0)
                return Results.Content("<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>", "text/xml", statusCode: 400);
            return Results.Content("<PutMetricDataResponse/>", "text/xml");
        });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static readonly HttpClient Client = new();
    private PutMetricDataSink Sink() => new(() => Client, new FixedCredentials(), "eu-west-1", new Uri(_server.Urls.First() + "/"), TimeProvider.System);

    private static MetricBatch Batch(int responses = 1000)
    {
        var recorder = new SignalRecorder();
        for (var i = 1; i <= responses; i++) recorder.RecordResponse(i * 0.7);
        recorder.RecordExecutionFinished("succeeded");
        return new MetricBatch(new DateTimeOffset(2026, 11, 26, 5, 0, 0, TimeSpan.Zero), recorder.Drain().ToData("prod", queueLength: 17));
    }

    [Fact]
    public async Task Sends_the_contracts_metrics_as_a_signed_form_post()
    {
        await Sink().SendAsync(Batch(), TestContext.Current.CancellationToken);

        var (headers, body) = Assert.Single(_requests);
        var form = HttpUtility.ParseQueryString(body);
        Assert.Equal(("PutMetricData", "2010-08-01", "N8nFrontend"), (form["Action"], form["Version"], form["Namespace"]));
        var names = Enumerable.Range(1, 100).Select(i => form[$"MetricData.member.{i}.MetricName"]).Where(n => n is not null).ToList();
        Assert.Contains("QueueLength", names);
        var queue = names.IndexOf("QueueLength") + 1;
        Assert.Equal(("17", "Count", "Environment", "prod"), (form[$"MetricData.member.{queue}.Value"], form[$"MetricData.member.{queue}.Unit"],
            form[$"MetricData.member.{queue}.Dimensions.member.1.Name"], form[$"MetricData.member.{queue}.Dimensions.member.1.Value"]));
        var average = names.IndexOf("AverageResponseTime") + 1;
        Assert.Equal("1000", form[$"MetricData.member.{average}.StatisticValues.SampleCount"]);
        Assert.NotNull(form[$"MetricData.member.{names.IndexOf("ResponseTime") + 1}.Counts.member.1"]);

        // The signature verifies: recomputed here from what arrived, with the same secret.
        Assert.Equal("session-token", headers["x-amz-security-token"]);
        var signedHeaders = new Dictionary<string, string>
        {
            ["content-type"] = headers["content-type"], ["host"] = headers["host"],
            ["x-amz-date"] = headers["x-amz-date"], ["x-amz-security-token"] = headers["x-amz-security-token"],
        };
        var expected = SigV4Signer.Authorization("POST", new Uri("http://" + headers["host"] + "/"), signedHeaders, Encoding.UTF8.GetBytes(body),
            "eu-west-1", "monitoring", Credentials, headers["x-amz-date"]);
        Assert.Equal(expected, headers["authorization"]);
        Assert.Contains("/eu-west-1/monitoring/aws4_request", headers["authorization"]);
    }

    [Fact]
    public async Task Keeps_within_the_apis_limits()
    {
        // 30,000 distinct response times: ~280 histogram buckets, so ResponseTime must split into data of at most 150 values.
        var recorder = new SignalRecorder();
        for (var i = 1; i <= 30_000; i++) recorder.RecordResponse(i * 0.37);
        var data = recorder.Drain().ToData("prod", 1);
        var many = Enumerable.Range(0, 1200).Select(i => data[0] with { Dimensions = new Dictionary<string, string> { ["Environment"] = $"e{i}" } });
        await Sink().SendAsync(new MetricBatch(DateTimeOffset.UtcNow, [.. data, .. many]), TestContext.Current.CancellationToken);

        Assert.True(_requests.Count >= 2, "1,200+ data need at least two requests");
        foreach (var (_, body) in _requests)
        {
            var form = HttpUtility.ParseQueryString(body);
            Assert.True(Encoding.UTF8.GetByteCount(body) <= PutMetricDataSink.MaxBodyBytes);
            Assert.Null(form[$"MetricData.member.{PutMetricDataSink.MaxDataPerRequest + 1}.MetricName"]);
            for (var m = 1; form[$"MetricData.member.{m}.MetricName"] is not null; m++)
                Assert.Null(form[$"MetricData.member.{m}.Values.member.{PutMetricDataSink.MaxValuesPerDatum + 1}"]);
        }
        var responseData = _requests.Sum(r => Enumerable.Range(1, 1000).Count(m => HttpUtility.ParseQueryString(r.Body)[$"MetricData.member.{m}.MetricName"] == "ResponseTime"));
        Assert.True(responseData >= 2, "the distribution was split");
    }

    [Fact]
    public async Task Throttling_is_retried_with_backoff()
    {
        _throttleFirst = 2;
        await Sink().SendAsync(Batch(10), TestContext.Current.CancellationToken);
        Assert.Equal(3, _requests.Count);
        Assert.All(_requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 ", r.Headers["authorization"]));
    }

    private sealed class FixedCredentials : ICredentialSource
    {
        public Task<SigningCredentials> GetAsync(CancellationToken ct) => Task.FromResult(Credentials);
    }
}
