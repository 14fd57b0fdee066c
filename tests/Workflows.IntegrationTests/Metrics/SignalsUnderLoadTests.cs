using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.ScalingSignals;
using Workflows.Service.Metrics;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>
/// The whole signal path under load, on this machine: queue mode on a real redis-server, the API answering
/// concurrent executes and reads, the publisher writing EMF to a TCP listener standing in for the CloudWatch agent.
/// </summary>
public sealed class SignalsUnderLoadTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Emf_validates_queue_length_tracks_the_backlog_the_cache_serves_repeats_and_slow_calls_are_reported()
    {
        await redis.FlushAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var lines = new List<string>();
        var collecting = CollectAsync(listener, lines);

        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Workflows:Role"] = "api", // no worker: the backlog stays put, so it can be compared exactly
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = redis.ConnectionString,
            ["Cache:RedisConnectionString"] = redis.ConnectionString,
            ["Metrics:Sink"] = "emf",
            ["Metrics:EmfTarget"] = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}",
            ["Metrics:Environment"] = "load",
            ["Metrics:PublishIntervalSeconds"] = "1",
            ["Bottlenecks:ApiMilliseconds"] = "1",
        });
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);

        // Load: 200 executions and 600 reads of the same workflow, 16 at a time.
        using var gate = new SemaphoreSlim(16);
        async Task Call(Func<Task<HttpResponseMessage>> send, HttpStatusCode expected)
        {
            await gate.WaitAsync();
            try { Assert.Equal(expected, (await send()).StatusCode); }
            finally { gate.Release(); }
        }
        await Task.WhenAll(Enumerable.Range(0, 800).Select(i => i % 4 == 0
            ? Call(() => client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody($$$"""{"input": {"n": {{{i}}}}}""")), HttpStatusCode.Accepted)
            : Call(() => client.GetAsync($"/api/workflows/{workflow.Id}"), HttpStatusCode.OK)));

        var backlog = await redis.Connection.GetDatabase().StreamLengthAsync("workflows:executions");
        Assert.Equal(200, backlog);
        await Task.Delay(2500); // two more periods after the load

        List<JsonNode> documents;
        lock (lines) documents = lines.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.NotEmpty(documents);
        foreach (var doc in documents) Assert.Empty(EmfValidator.Problems(doc));
        Assert.All(documents, d => Assert.Equal(Signals.Namespace, d["_aws"]!["CloudWatchMetrics"]![0]!["Namespace"]!.GetValue<string>()));

        var queue = documents.Where(d => d["QueueLength"] is not null).Select(d => d["QueueLength"]!.GetValue<double>()).ToList();
        Assert.Equal(backlog, queue[^1]); // the last published value is the stream's real backlog

        double Sum(string metric) => documents.Where(d => d[metric] is JsonValue).Sum(d => d[metric]!.GetValue<double>());
        var hits = Sum("CacheHits");
        var misses = Sum("CacheMisses");
        var ratio = hits / (hits + misses);
        Assert.True(ratio > 0.95, $"cache hit ratio {ratio:P1} ({hits} hits, {misses} misses)");

        var slowApi = documents.Where(d => d["Component"]?.GetValue<string>() == "api").Sum(d => d["SlowOperations"]!.GetValue<double>());
        Assert.True(slowApi > 0, "requests over the 1 ms api threshold were reported");
        var samples = documents.Where(d => d["ResponseTime"] is JsonArray).SelectMany(d => d["ResponseTime"]!.AsArray()).Count();
        Assert.True(samples >= 800, $"{samples} response-time samples for 801 requests");

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"signals under load: {documents.Count} EMF documents valid; QueueLength {queue[^1]} = XLEN {backlog}; cache hit ratio {ratio:P1} ({hits}/{hits + misses}); slow api calls {slowApi}");
        listener.Stop();
        await collecting.ContinueWith(_ => { });
    }

    private static async Task CollectAsync(TcpListener listener, List<string> lines)
    {
        while (true)
        {
            TcpClient connection;
            try { connection = await listener.AcceptTcpClientAsync(); }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(async () =>
            {
                using var reader = new StreamReader(connection.GetStream());
                while (await reader.ReadLineAsync() is { } line) lock (lines) lines.Add(line);
            });
        }
    }
}
