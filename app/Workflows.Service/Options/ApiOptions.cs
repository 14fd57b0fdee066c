namespace Workflows.Service.Options;

/// <summary>Section <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Bodies larger than this are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>Section <c>Api:RateLimit</c>: a token bucket per API key and process.</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second per key (the seed's 500-user load is about 330 in total).</summary>
    public int PermitsPerSecond { get; set; } = 2000;

    /// <summary>Requests a key may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 4000;
}
