using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Queue;

/// <summary>Queue mode through the real service host and a real redis-server.</summary>
public sealed class RedisQueueTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const string Stream = "workflows:executions";
    private const string Group = "workers";

    private async Task<ServiceFactory> StartAsync(string role, Dictionary<string, string?>? extra = null)
    {
        await redis.FlushAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Workflows:Role"] = role,
            ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = redis.ConnectionString,
            ["Queue:ClaimIdleSeconds"] = "3",
            ["Queue:PollIntervalMilliseconds"] = "200",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var factory = new ServiceFactory(settings);
        _ = factory.Services; // starts the host, and with it the worker
        return factory;
    }

    [Fact]
    public async Task Executions_travel_through_the_stream_and_leave_it_empty()
    {
        await using var factory = await StartAsync("all");
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);

        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var r = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody($$$"""{"input": {"n": {{{i}}}}}"""));
            ids.Add((await r.Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!.GetValue<string>());
        }
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var execution = await WaitForTerminalAsync(client, id);
            Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
            Assert.Equal(i * 2, execution.Output!["doubled"]!.GetValue<double>());
        }
        var db = redis.Connection.GetDatabase();
        // The ack follows the terminal write by a moment.
        await WaitForAsync(async () => await db.StreamLengthAsync(Stream) == 0 && (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount == 0);
        var ready = await client.GetFromJsonAsync<JsonObject>("/api/health/ready");
        Assert.Equal("healthy", ready!["checks"]!["redis"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_idle_worker_is_woken_by_new_work_not_by_its_poll()
    {
        // A poll of a minute: only the wake-up notification can start these executions within the wait below.
        await using var factory = await StartAsync("all", new() { ["Queue:PollIntervalMilliseconds"] = "60000" });
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);
        for (var burst = 0; burst < 3; burst++)
        {
            await Task.Delay(300); // the worker has read everything and waits
            var ids = new List<string>();
            for (var i = 0; i < 1 + burst * 10; i++)
            {
                var r = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 1}}"""));
                ids.Add((await r.Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!.GetValue<string>());
            }
            foreach (var id in ids)
                Assert.Equal(ExecutionStatus.Succeeded, (await WaitForTerminalAsync(client, id, TimeSpan.FromSeconds(15))).Status);
        }
    }

    [Fact]
    public async Task Over_the_backlog_limit_execute_answers_503_and_stores_nothing()
    {
        await using var factory = await StartAsync("api", new() { ["Queue:MaxBacklog"] = "3", ["Queue:RetryAfterSeconds"] = "7" });
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/workflows/{workflow.Id}/execute", null)).StatusCode);
        var refused = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("7", refused.Headers.RetryAfter!.ToString());
        Assert.Contains("Queue:MaxBacklog", (await ProblemAsync(refused))["detail"]!.GetValue<string>());
        var stored = await client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow.Id}/executions");
        Assert.Equal(3, stored!["items"]!.AsArray().Count);
        Assert.Equal(3, await redis.Connection.GetDatabase().StreamLengthAsync(Stream));
    }

    [Fact]
    public async Task One_backlog_reading_serves_the_requests_of_its_interval_and_counts_what_they_published()
    {
        // A long interval: every request below is answered from one reading plus this process's own publishes.
        await using var factory = await StartAsync("api", new() { ["Queue:MaxBacklog"] = "5", ["Queue:BacklogReadMilliseconds"] = "10000" });
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        long XinfoCalls() => server.Info("commandstats").SelectMany(g => g).Where(p => p.Key == "cmdstat_xinfo|groups" || p.Key == "cmdstat_xinfo")
            .Select(p => long.Parse(p.Value.Split(',')[0].Split('=')[1])).Sum();
        var before = XinfoCalls();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++) statuses.Add((await client.PostAsync($"/api/workflows/{workflow.Id}/execute", null)).StatusCode);

        // Exact for this process: 5 accepted, then refused, although the reading (0) is never refreshed.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 5), .. Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 3)], statuses);
        Assert.Equal(1, XinfoCalls() - before);
        Assert.Equal(5, await redis.Connection.GetDatabase().StreamLengthAsync(Stream));
    }

    [Fact]
    public async Task A_redelivered_execution_that_already_finished_is_only_acknowledged()
    {
        await using var factory = await StartAsync("worker");
        var store = factory.Services.GetRequiredService<IExecutionStore>();
        var finished = TestData.Execution("wf_gone") with { Status = ExecutionStatus.Succeeded, Worker = "earlier-worker", Attempts = 1 };
        await store.InsertAsync(finished, TestContext.Current.CancellationToken);

        var db = redis.Connection.GetDatabase();
        await db.StreamAddAsync(Stream, "executionId", finished.Id);
        await WaitForAsync(async () => await db.StreamLengthAsync(Stream) == 0);

        var after = await store.GetAsync(finished.Id, TestContext.Current.CancellationToken);
        Assert.Equal((ExecutionStatus.Succeeded, "earlier-worker", 1), (after!.Status, after.Worker, after.Attempts));
    }

    [Fact]
    public async Task An_execution_past_its_attempt_limit_goes_to_the_dead_letter_stream()
    {
        await using var factory = await StartAsync("worker", new() { ["Queue:MaxAttempts"] = "3" });
        var store = factory.Services.GetRequiredService<IExecutionStore>();
        var crashLooping = TestData.Execution("wf_x") with { Status = ExecutionStatus.Running, Attempts = 3 };
        await store.InsertAsync(crashLooping, TestContext.Current.CancellationToken);

        var db = redis.Connection.GetDatabase();
        await db.StreamAddAsync(Stream, "executionId", crashLooping.Id);
        await WaitForAsync(async () => await db.StreamLengthAsync("workflows:executions:dead") == 1);

        var dead = (await db.StreamRangeAsync("workflows:executions:dead")).Single();
        Assert.Equal(crashLooping.Id, (string?)dead["executionId"]);
        Assert.Contains("exceeded 3 attempts", (string?)dead["reason"]);
        var after = await store.GetAsync(crashLooping.Id, TestContext.Current.CancellationToken);
        Assert.Equal(ExecutionStatus.Failed, after!.Status);
        Assert.Contains("Gave up after 3 attempt(s)", after.Error!.Message);
        await WaitForAsync(async () => await db.StreamLengthAsync(Stream) == 0);
    }

    [Fact]
    public async Task Entries_held_by_a_dead_consumer_are_reclaimed_after_the_idle_time()
    {
        await using var factory = await StartAsync("api");
        var db = redis.Connection.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(Stream, Group, "0", createStream: true);
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);
        var accepted = await (await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 5}}"""))).Content.ReadFromJsonAsync<JsonObject>();
        var id = accepted!["executionId"]!.GetValue<string>();
        // A consumer that reads the entry and dies before doing anything.
        Assert.Single(await db.StreamReadGroupAsync(Stream, Group, "dead-consumer", ">", 10));

        await using var worker = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Workflows:Role"] = "worker", ["Workflows:ExecutionMode"] = "queue", ["Redis:ConnectionString"] = redis.ConnectionString,
            ["Queue:ClaimIdleSeconds"] = "3", ["Storage:DataDirectory"] = factory.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Storage:DataDirectory"],
        });
        _ = worker.Services;

        var execution = await WaitForTerminalAsync(client, id, TimeSpan.FromSeconds(30));
        Assert.Equal((ExecutionStatus.Succeeded, 1), (execution.Status, execution.Attempts));
        Assert.NotEqual("dead-consumer", execution.Worker);
        Assert.Equal(10, execution.Output!["doubled"]!.GetValue<double>());
        await WaitForAsync(async () => (await db.StreamPendingAsync(Stream, Group)).PendingMessageCount == 0);
    }

    [Fact]
    public async Task Liveness_stays_up_and_readiness_fails_while_redis_is_unreachable()
    {
        await using var factory = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Workflows:Role"] = "api", ["Workflows:ExecutionMode"] = "queue",
            ["Redis:ConnectionString"] = $"127.0.0.1:{RedisServer.FreePort()},connectTimeout=200",
        });
        var client = factory.Client(key: null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
        var ready = await client.GetAsync("/api/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal("unhealthy", body["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Equal("healthy", body["checks"]!["store"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_redis_stall_longer_than_the_client_timeout_does_not_stop_the_worker()
    {
        await using var factory = await StartAsync("all", new() { ["Redis:ConnectionString"] = redis.ConnectionString + ",syncTimeout=300,asyncTimeout=300" });
        var client = factory.Client();
        var workflow = await CreateWorkflowAsync(client, DoublingWorkflow);

        // Every command, the worker's XREADGROUP included, times out for 2 s.
        await redis.Connection.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "2000", "ALL");
        await Task.Delay(2500);

        var response = await client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 4}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!.GetValue<string>();
        Assert.Equal(ExecutionStatus.Succeeded, (await WaitForTerminalAsync(client, id, TimeSpan.FromSeconds(20))).Status);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in 20 s");
            await Task.Delay(50);
        }
    }
}
