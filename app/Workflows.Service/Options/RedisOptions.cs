namespace Workflows.Service.Options;

/// <summary>Section <c>Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>host:6379,ssl=true,password=...</c>.
    /// On AWS the password comes from Secrets Manager through the environment, never from a file.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file holding the AUTH token (e.g. written by an init container from Secrets Manager), so the
    /// password never sits in the environment or the connection string.</summary>
    public string? PasswordFile { get; set; }
}
