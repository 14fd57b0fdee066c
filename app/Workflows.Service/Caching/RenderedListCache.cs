using System.Buffers;
using System.ComponentModel;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Hybrid;
using Workflows.Core.Ports;

namespace Workflows.Service.Caching;

/// <summary>A list page as the API sends it: the JSON bytes and their entity tag. Immutable, so HybridCache's L1 hands
/// out the same instance instead of a deserialized copy per read.</summary>
[ImmutableObject(true)]
public sealed class RenderedPage(byte[] body, string etag)
{
    public byte[] Body { get; } = body;
    public string ETag { get; } = etag;
}

/// <summary>
/// <c>GET /api/workflows</c> answered from bytes rendered once per page and query. Before it, every request read the
/// page from L1 (which deserializes a copy of mutable values) and serialized it again: the list endpoint ran at 37 % of
/// what Kestrel serves with the same bytes. Entries share the list pages' tag, so every workflow write drops them with
/// the pages (CachedWorkflowStore), and live in L1 only, as the pages do.
/// </summary>
public sealed class RenderedListCache(HybridCache cache)
{
    private static readonly HybridCacheEntryOptions Entry = new() { Flags = HybridCacheEntryFlags.DisableDistributedCache };

    public ValueTask<RenderedPage> GetAsync(WorkflowQuery query, Func<CancellationToken, Task<byte[]>> render, CancellationToken ct)
    {
        return cache.GetOrCreateAsync("workflows:list-rendered:" + CachedWorkflowStore.QueryKey(query), async token =>
        {
            var body = await render(token);
            return new RenderedPage(body, $"\"{Convert.ToHexString(SHA256.HashData(body), 0, 16)}\"");
        }, Entry, [CachedWorkflowStore.ListsTag], ct);
    }
}

/// <summary>HybridCache wants a serializer per type even for L1-only entries: ETag, a zero byte, then the body.</summary>
public sealed class RenderedPageSerializer : IHybridCacheSerializer<RenderedPage>
{
    public RenderedPage Deserialize(ReadOnlySequence<byte> source)
    {
        var bytes = source.ToArray();
        var split = Array.IndexOf(bytes, (byte)0);
        return new RenderedPage(bytes[(split + 1)..], System.Text.Encoding.ASCII.GetString(bytes, 0, split));
    }

    public void Serialize(RenderedPage value, IBufferWriter<byte> target)
    {
        target.Write(System.Text.Encoding.ASCII.GetBytes(value.ETag));
        target.Write([(byte)0]);
        target.Write(value.Body);
    }
}
