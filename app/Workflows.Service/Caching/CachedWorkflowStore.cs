using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Service.Metrics;

namespace Workflows.Service.Caching;

/// <summary>
/// Workflow reads through HybridCache: L1 in process memory, L2 in Redis, one factory call per key at a time
/// (stampede protection). Every write invalidates by tag: the item's own tag and the tag of all list pages, which
/// replaces the source document's <c>KEYS pattern</c> invalidation (KEYS blocks Redis while it scans every key).
/// Another node's L1 may serve a stale copy for at most the L1 lifetime after a write.
/// </summary>
public sealed class CachedWorkflowStore(IWorkflowStore inner, HybridCache cache, BottleneckDetector detector, SignalRecorder recorder) : IWorkflowStore
{
    public const string ListsTag = "workflows:lists";
    public static string ItemTag(string id) => $"workflow:{id}";

    public async Task<Workflow?> GetAsync(string id, CancellationToken ct)
    {
        var missed = false;
        var value = await detector.MeasureAsync(BottleneckDetector.Cache, "workflows.get", async () =>
            await cache.GetOrCreateAsync($"workflow:{id}", async token =>
            {
                missed = true;
                return await inner.GetAsync(id, token);
            }, tags: [ItemTag(id)], cancellationToken: ct));
        recorder.RecordCacheRead(!missed);
        return value;
    }

    public async Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct)
    {
        var page = query.Paging;
        var key = $"workflows:list:{query.Active}:{query.Owner}:{query.NamePrefix}:{page.Limit}:{page.Offset}";
        var missed = false;
        var value = await detector.MeasureAsync(BottleneckDetector.Cache, "workflows.list", async () =>
            await cache.GetOrCreateAsync(key, async token =>
            {
                missed = true;
                return await inner.ListAsync(query, token);
            }, tags: [ListsTag], cancellationToken: ct));
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
        // Not cancellable: a write that happened must not leave its old copy behind.
        await cache.RemoveByTagAsync([ItemTag(id), ListsTag], CancellationToken.None);
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
