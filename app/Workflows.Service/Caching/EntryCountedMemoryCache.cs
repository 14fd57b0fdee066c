using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Primitives;

namespace Workflows.Service.Caching;

/// <summary>
/// The L1 memory cache, limited by entry count (the source document's 500 entries). HybridCache sizes its L1 entries
/// in bytes; this wrapper makes each entry count 1 against <see cref="MemoryCacheOptions.SizeLimit"/> instead, so the
/// limit means entries, and a large workflow is still cached.
/// </summary>
public sealed class EntryCountedMemoryCache(int entries) : IMemoryCache
{
    private readonly MemoryCache _inner = new(new MemoryCacheOptions { SizeLimit = entries });

    public int Count => _inner.Count;

    public ICacheEntry CreateEntry(object key) => new CountedEntry(_inner.CreateEntry(key));
    public void Remove(object key) => _inner.Remove(key);
    public bool TryGetValue(object key, out object? value) => _inner.TryGetValue(key, out value);
    public void Dispose() => _inner.Dispose();

    private sealed class CountedEntry(ICacheEntry inner) : ICacheEntry
    {
        public object Key => inner.Key;
        public object? Value { get => inner.Value; set => inner.Value = value; }
        public DateTimeOffset? AbsoluteExpiration { get => inner.AbsoluteExpiration; set => inner.AbsoluteExpiration = value; }
        public TimeSpan? AbsoluteExpirationRelativeToNow { get => inner.AbsoluteExpirationRelativeToNow; set => inner.AbsoluteExpirationRelativeToNow = value; }
        public TimeSpan? SlidingExpiration { get => inner.SlidingExpiration; set => inner.SlidingExpiration = value; }
        public IList<IChangeToken> ExpirationTokens => inner.ExpirationTokens;
        public IList<PostEvictionCallbackRegistration> PostEvictionCallbacks => inner.PostEvictionCallbacks;
        public CacheItemPriority Priority { get => inner.Priority; set => inner.Priority = value; }
        public long? Size { get => inner.Size; set => inner.Size = 1; } // one entry, whatever its bytes
        public void Dispose() => inner.Dispose();
    }
}
