namespace Workflows.Service.Options;

/// <summary>Section <c>Engine</c>: defaults and limits for running workflows.</summary>
public sealed class EngineSettings
{
    public const string Section = "Engine";

    public int DefaultNodeTimeoutSeconds { get; set; } = 30;
    public int DefaultExecutionTimeoutSeconds { get; set; } = 300;
    public int MaxWaitSeconds { get; set; } = 300;

    public int ExpressionTimeoutMilliseconds { get; set; } = 500;
    public int ExpressionMemoryLimitMegabytes { get; set; } = 16;
    /// <summary>Longest array an expression may build (native built-ins allocate before the memory limit is checked).</summary>
    public int ExpressionMaxArrayLength { get; set; } = 100_000;

    /// <summary>Host patterns the http node may call: <c>api.example.com</c>, <c>*.example.com</c>, <c>*</c>.</summary>
    public List<string> HttpAllowedHosts { get; set; } = ["*"];

    /// <summary>Allows the http node to reach loopback, private and link-local addresses (off: SSRF protection).</summary>
    public bool HttpAllowPrivateNetworks { get; set; }

    public int HttpMaxResponseKilobytes { get; set; } = 1024;
}
