using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Options;
using Workflows.Service.Queue.Redis;
using Workflows.Service.Storage.Sqlite;

namespace Workflows.IntegrationTests.Queue;

/// <summary>
/// The producer side of queue mode, built from the service's own classes over a real Redis and a SQLite file
/// that worker processes share: what the API role does, without HTTP.
/// </summary>
public sealed class QueueHarness : IAsyncDisposable
{
    public readonly TempDirectory Data = new();
    public readonly SqliteStore Store;
    public readonly QueueOptions Options = new() { ClaimIdleSeconds = 3 };
    public readonly RedisServer Redis;
    private readonly ExecutionDispatcher _dispatcher;

    private QueueHarness(RedisServer redis)
    {
        Redis = redis;
        Store = new SqliteStore(Path.Combine(Data.Path, "workflows.db"));
        var queue = new RedisStreamQueue(redis.Connection, Microsoft.Extensions.Options.Options.Create(Options));
        _dispatcher = new ExecutionDispatcher(Store, queue, new DispatchOptions { MaxBacklog = 1_000_000 }, TimeProvider.System);
    }

    public static async Task<QueueHarness> CreateAsync(RedisServer redis)
    {
        await redis.FlushAsync();
        var harness = new QueueHarness(redis);
        await harness.Store.InitializeAsync(CancellationToken.None);
        return harness;
    }

    public IDatabase Db => Redis.Connection.GetDatabase();

    /// <summary>Settings for a worker process sharing this harness's Redis and SQLite file.</summary>
    public Dictionary<string, string> WorkerSettings(int concurrency, int graceSeconds) => new()
    {
        ["Workflows:Role"] = "worker",
        ["Workflows:ExecutionMode"] = "queue",
        ["Workflows:ShutdownGraceSeconds"] = graceSeconds.ToString(),
        ["Redis:ConnectionString"] = Redis.ConnectionString,
        ["Storage:DataDirectory"] = Data.Path,
        ["Queue:Concurrency"] = concurrency.ToString(),
        ["Queue:ClaimIdleSeconds"] = Options.ClaimIdleSeconds.ToString(),
        ["Queue:PollIntervalMilliseconds"] = "200",
    };

    public async Task<Workflow> CreateWorkflowAsync(int waitMs)
    {
        var workflow = TestData.Workflow(waitMs: waitMs);
        await Store.InsertAsync(workflow, CancellationToken.None);
        return workflow;
    }

    public async Task<List<string>> EnqueueAsync(Workflow workflow, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var accepted = (DispatchResult.Accepted)await _dispatcher.DispatchAsync(workflow, new System.Text.Json.Nodes.JsonObject { ["n"] = i }, CancellationToken.None);
            ids.Add(accepted.Execution.Id);
        }
        return ids;
    }

    public async Task<List<Execution>> ExecutionsAsync(IEnumerable<string> ids)
    {
        var list = new List<Execution>();
        foreach (var id in ids) list.Add((await ((IExecutionStore)Store).GetAsync(id, CancellationToken.None))!);
        return list;
    }

    public async Task<List<Execution>> WaitUntilAsync(IReadOnlyList<string> ids, Func<List<Execution>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var executions = await ExecutionsAsync(ids);
            if (done(executions)) return executions;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Not reached in time: " + string.Join(", ", executions.GroupBy(e => e.Status).Select(g => $"{g.Key}={g.Count()}")));
            await Task.Delay(50);
        }
    }

    public async Task<(long Length, long Pending, long Dead)> StreamStateAsync()
    {
        var pending = await Db.StreamPendingAsync(Options.StreamKey, Options.ConsumerGroup);
        return (await Db.StreamLengthAsync(Options.StreamKey), pending.PendingMessageCount, await Db.StreamLengthAsync(Options.DeadLetterStreamKey));
    }

    /// <summary>The stream state once it settles: the ack follows the terminal write by a moment, so poll briefly.</summary>
    public async Task<(long Length, long Pending, long Dead)> SettledStreamStateAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var state = await StreamStateAsync();
            if (state == (0, 0, 0) || DateTime.UtcNow > deadline) return state;
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Data.Dispose();
        await Task.CompletedTask;
    }
}
