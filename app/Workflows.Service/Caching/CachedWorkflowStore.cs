using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Service.Metrics;

namespace Workflows.Service.Caching;

/// <summary>
/// Workflow reads through HybridCache: L1 in process memory, L2 in Redis, one factory call per key at a time
/// (stampede protection). Every write invalidates by tag (the item's own and the list pages') instead of the source
/// document's <c>KEYS pattern</c> scan, which blocks Redis; it also deletes the item's L2 entry outright, because
/// HybridCache's tag records are read once per node and would let another node re-read a stale L2 copy. List pages
/// live in L1 only. So another node serves a stale item or page for at most the L1 lifetime after a write.
/// Invalidation never fails a write that the store already committed: its errors are logged.
/// </summary>
public sealed class CachedWorkflowStore(IWorkflowStore inner, HybridCache cache, BottleneckDetector detector, SignalRecorder recorder,
    ILogger<CachedWorkflowStore> logger) : IWorkflowStore
{
    private static readonly HybridCacheEntryOptions ListEntry = new() { Flags = HybridCacheEntryFlags.DisableDistributedCache };

    public const string ListsTag = "workflows:lists";
    public static string ItemTag(string id) => $"workflow:{id}";

    public static string ItemKey(string id) => $"workflow:{id}";

    public Task<Workflow?> GetAsync(string id, CancellationToken ct) =>
        ReadAsync(ItemKey(id), "workflows.get", token => inner.GetAsync(id, token), [ItemTag(id)], null, ct);

    public Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct)
    {
        return ReadAsync("workflows:list:" + QueryKey(query), "workflows.list", token => inner.ListAsync(query, token), [ListsTag], ListEntry, ct);
    }

    /// <summary>A list query as a cache key: its JSON, so no two different queries share a key, whatever their strings hold.</summary>
    public static string QueryKey(WorkflowQuery query) => System.Text.Json.JsonSerializer.Serialize(query with { Page = query.Paging });

    /// <summary>One cache read: counted as hit or miss; timed against the cache threshold only when the cache answered
    /// (a miss's time is the store's, which the store decorator already measures).</summary>
    private async Task<T> ReadAsync<T>(string key, string operation, Func<CancellationToken, Task<T>> load, string[] tags,
        HybridCacheEntryOptions? options, CancellationToken ct)
    {
        var missed = false;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var value = await cache.GetOrCreateAsync(key, async token =>
        {
            missed = true;
            return await load(token);
        }, options, tags, ct);
        if (!missed) detector.Observe(BottleneckDetector.Cache, operation, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        recorder.RecordCacheRead(!missed);
        return value;
    }

    public async Task InsertAsync(Workflow workflow, CancellationToken ct)
    {
        await inner.InsertAsync(workflow, ct);
        await InvalidateAsync(workflow.Id);
    }

    public async Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct)
    {
        try
        {
            return await inner.UpdateAsync(workflow, expectedVersion, ct);
        }
        finally
        {
            await InvalidateAsync(workflow.Id); // also after a conflict: the cached copy was stale
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        var deleted = await inner.DeleteAsync(id, ct);
        await InvalidateAsync(id);
        return deleted;
    }

    private async Task InvalidateAsync(string id)
    {
        // Not cancellable: a write that happened must not leave its old copy behind. Each step on its own, so one
        // failure (the cache Redis down) neither skips the others nor turns a committed write into an error.
        Func<ValueTask>[] steps =
        [
            () => cache.RemoveAsync(ItemKey(id), CancellationToken.None),
            () => cache.RemoveByTagAsync(ItemTag(id), CancellationToken.None),
            () => cache.RemoveByTagAsync(ListsTag, CancellationToken.None),
        ];
        foreach (var step in steps)
        {
            try { await step(); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Cache invalidation for workflow {WorkflowId} failed; other nodes may serve the old copy until it expires", id);
            }
        }
    }
}

/// <summary>HybridCache payloads in the service's one JSON shape (enums as kebab-case, JsonObject parameters intact).</summary>
public sealed class WorkflowJsonSerializer<T> : IHybridCacheSerializer<T>
{
    public T Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Utf8JsonReader(source);
        return JsonSerializer.Deserialize<T>(ref reader, WorkflowJson.Options)!;
    }

    public void Serialize(T value, IBufferWriter<byte> target)
    {
        using var writer = new Utf8JsonWriter(target);
        JsonSerializer.Serialize(writer, value, WorkflowJson.Options);
    }
}
