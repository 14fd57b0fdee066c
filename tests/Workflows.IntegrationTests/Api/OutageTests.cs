using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Harness;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Api;

/// <summary>
/// While the queue Redis is down, execute fails fast (503 + Retry-After, no hanging on a dead connection), readiness
/// turns unhealthy so load balancers stop routing, and both recover by themselves once Redis is back.
/// (The latency target, p99 under 250 ms over an outage, is measured by drills/, not asserted here.)
/// </summary>
public sealed class OutageTests : IAsyncLifetime
{
    private RedisServerProcess _redis = null!;

    public async ValueTask InitializeAsync() => _redis = await RedisServerProcess.StartAsync();
    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Execute_answers_503_at_once_while_redis_is_down_and_202_again_after()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Workflows:Role"] = "api",
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = _redis.ConnectionString,
            ["Resilience:Redis:BreakMilliseconds"] = "500",
        });
        var client = factory.Client();
        var anonymous = factory.Client(key: null);
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("{}"))).StatusCode);

        await _redis.KillAsync();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 40; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("{}"));
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After");
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(503, problem["status"]!.GetValue<int>());
            Assert.DoesNotContain("127.0.0.1", problem.ToJsonString()); // internal addresses stay in the log
        }
        // Before the breaker the first request waited for Redis's 5 s timeout; now none comes near the 1 s call limit.
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"slowest 503 took {slowest.TotalMilliseconds:F0} ms");
        var ready = await anonymous.GetAsync("/api/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode); // liveness never depends on Redis

        await _redis.StartAgainAsync(keepData: false);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            await Task.Delay(200);
            status = (await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("{}"))).StatusCode;
        } while (status != HttpStatusCode.Accepted && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health/ready")).StatusCode);
    }

    [Fact]
    public async Task One_key_over_its_rate_gets_429_while_another_key_is_served()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Api:RateLimit:PermitsPerSecond"] = "1",
            ["Api:RateLimit:Burst"] = "5",
        });
        var writer = factory.Client();
        var reader = factory.Client(ReadKey);
        var anonymous = factory.Client(key: null);

        // Warm the path with the other key's bucket first: the 8 requests below must fit in well under the one second
        // that refills a permit, which a cold first request (JIT, first rendering of the page) can take on its own.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/workflows")).StatusCode);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++) statuses.Add((await writer.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        var refused = await writer.GetAsync("/api/workflows");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        Assert.Contains("API key", problem["detail"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/workflows")).StatusCode); // its own bucket
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode); // never limited
    }
}
