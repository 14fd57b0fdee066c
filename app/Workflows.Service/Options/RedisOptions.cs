namespace Workflows.Service.Options;

/// <summary>Section <c>Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>host:6379,ssl=true,password=...</c>.
    /// On AWS the password comes from Secrets Manager through the environment, never from a file.</summary>
    public string? ConnectionString { get; set; }
}
