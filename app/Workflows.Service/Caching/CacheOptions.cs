namespace Workflows.Service.Caching;

/// <summary>Section <c>Cache</c>: the two-level workflow cache (the source document's CDN → L1 → L2 → DB).</summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>L2: a Redis for the cache alone (on AWS a separate cluster with allkeys-lru, so it can never evict queued
    /// work from the queue's Redis). Unset: L1 only.</summary>
    public string? RedisConnectionString { get; set; }
    public string? PasswordFile { get; set; }

    /// <summary>L1 size in entries (the source document's 500) and lifetime (its 60 s): also the bound on how stale
    /// another node's L1 can be after a write.</summary>
    public int LocalEntries { get; set; } = 500;
    public int LocalSeconds { get; set; } = 60;

    /// <summary>Every L2 entry carries this TTL.</summary>
    public int DistributedSeconds { get; set; } = 300;
}
