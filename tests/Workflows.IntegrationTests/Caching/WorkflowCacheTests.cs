using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Hosting;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Caching;

/// <summary>The two-level cache as the service wires it, over a real redis-server (L2), with a store that counts its reads.</summary>
public sealed class WorkflowCacheTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One service node: its own L1, the shared L2 and the shared store.</summary>
    private static (IWorkflowStore Store, IServiceProvider Services) Node(CountingStore store, string? l2, int localSeconds = 60, int entries = 500)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cache:RedisConnectionString"] = l2,
            ["Cache:LocalSeconds"] = localSeconds.ToString(),
            ["Cache:LocalEntries"] = entries.ToString(),
        });
        builder.Services.AddSingleton<IWorkflowStore>(_ => store);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddScalingSignals();
        builder.AddWorkflowCache();
        var services = builder.Build().Services;
        return (services.GetRequiredService<IWorkflowStore>(), services);
    }

    [Fact]
    public async Task Repeat_reads_are_served_from_l1_then_l2_and_writes_invalidate_by_tag()
    {
        await redis.FlushAsync();
        var store = new CountingStore();
        var workflow = TestData.Workflow();
        await store.InsertAsync(workflow, Ct);
        // L1 lives 3 s: long enough that a loaded machine still reads twice within it, short enough to wait out below.
        var (a, aServices) = Node(store, redis.ConnectionString, localSeconds: 3);
        var (b, _) = Node(store, redis.ConnectionString, localSeconds: 3);

        Assert.Equal(1, (await a.GetAsync(workflow.Id, Ct))!.Version);
        Assert.Equal(1, store.Gets);                 // miss: the store was read
        await a.GetAsync(workflow.Id, Ct);
        Assert.Equal(1, store.Gets);                 // L1 hit on the same node

        // The entry is in L2 with a TTL (every cache entry expires; the cache Redis evicts by LRU as well).
        var l2Key = $"workflows:cache:workflow:{workflow.Id}";
        TimeSpan? ttl = null;
        for (var i = 0; i < 100 && (ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(l2Key)) is null; i++) await Task.Delay(20, Ct); // written in the background
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(300));

        // The other node answers from L2 (HybridCache writes L2 in the background, so allow its first read to race that
        // write); from then on it answers from its own L1.
        Assert.Equal(1, (await b.GetAsync(workflow.Id, Ct))!.Version);
        var afterB = store.Gets;
        Assert.InRange(afterB, 1, 2);
        await b.GetAsync(workflow.Id, Ct);
        Assert.Equal(afterB, store.Gets);

        var recorder = aServices.GetRequiredService<SignalRecorder>().Drain();
        Assert.Equal((1, 1), (recorder.CacheHits, recorder.CacheMisses));

        await a.UpdateAsync(workflow with { Name = "renamed" }, 1, Ct);
        // The other node: after its L1 lifetime it must not find the old copy in L2 (the write deleted it; HybridCache's
        // tag records alone would let it re-read that copy until the L2 TTL).
        await Task.Delay(3200);
        Assert.Equal("renamed", (await b.GetAsync(workflow.Id, Ct))!.Name);
        Assert.Equal("renamed", (await a.GetAsync(workflow.Id, Ct))!.Name);

        // Lists are cached under one tag and dropped by any write.
        await a.ListAsync(new WorkflowQuery(), Ct);
        await a.ListAsync(new WorkflowQuery(), Ct);
        Assert.Equal(1, store.Lists);
        await a.InsertAsync(TestData.Workflow(name: "another"), Ct);
        Assert.Equal(2, (await a.ListAsync(new WorkflowQuery(), Ct)).Items.Count);
        Assert.Equal(2, store.Lists);
    }

    [Fact]
    public async Task L1_holds_at_most_the_configured_entries_and_large_workflows_fit()
    {
        var store = new CountingStore();
        var (node, services) = Node(store, l2: null, entries: 50);
        async Task ReadTwice(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var w = TestData.Workflow(name: new string('x', 2000)); // ~2.5 KB each: an entry counts 1, not its bytes
                await store.InsertAsync(w, Ct);
                await node.GetAsync(w.Id, Ct);
                await node.GetAsync(w.Id, Ct);
            }
        }
        await ReadTwice(40);
        Assert.Equal(40, store.Gets); // below the limit every second read is an L1 hit, though each entry is over 50 bytes
        await ReadTwice(40);          // past the limit the cache stops growing (and compacts)
        var memory = (Workflows.Service.Caching.EntryCountedMemoryCache)services.GetRequiredService<IMemoryCache>();
        Assert.InRange(memory.Count, 1, 50);
    }

    [Fact]
    public async Task Writes_succeed_while_the_cache_redis_is_down()
    {
        var store = new CountingStore();
        var (node, _) = Node(store, $"127.0.0.1:{RedisServer.FreePort()},abortConnect=false,connectTimeout=200,syncTimeout=300,asyncTimeout=300");
        var workflow = TestData.Workflow();
        await node.InsertAsync(workflow, Ct);
        Assert.Equal(2, (await node.UpdateAsync(workflow with { Name = "x" }, 1, Ct))!.Version);
        Assert.True(await node.DeleteAsync(workflow.Id, Ct));
    }

    [Fact]
    public async Task Concurrent_misses_for_one_key_reach_the_store_once()
    {
        var store = new CountingStore { Delay = TimeSpan.FromMilliseconds(200) };
        var workflow = TestData.Workflow();
        await store.InsertAsync(workflow, Ct);
        var (node, _) = Node(store, l2: null);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => node.GetAsync(workflow.Id, Ct)));
        Assert.Equal(1, store.Gets);
    }

    /// <summary>An in-memory store that counts reads; the cache under test is the real HybridCache.</summary>
    private sealed class CountingStore : IWorkflowStore
    {
        private readonly ConcurrentDictionary<string, Workflow> _items = new();
        public int Gets;
        public int Lists;
        public TimeSpan Delay { get; init; }

        public Task InsertAsync(Workflow workflow, CancellationToken ct) { _items[workflow.Id] = workflow; return Task.CompletedTask; }

        public async Task<Workflow?> GetAsync(string id, CancellationToken ct)
        {
            Interlocked.Increment(ref Gets);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, ct);
            return _items.GetValueOrDefault(id);
        }

        public Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct)
        {
            var stored = workflow with { Version = expectedVersion + 1 };
            _items[workflow.Id] = stored;
            return Task.FromResult<Workflow?>(stored);
        }

        public Task<bool> DeleteAsync(string id, CancellationToken ct) => Task.FromResult(_items.TryRemove(id, out _));

        public Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct)
        {
            Interlocked.Increment(ref Lists);
            return Task.FromResult(new Page<Workflow>(_items.Values.ToList(), 0, 20, false));
        }
    }
}
