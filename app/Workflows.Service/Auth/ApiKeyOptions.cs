namespace Workflows.Service.Auth;

/// <summary>Section <c>Auth</c>. Keys are configured as SHA-256 hashes (hex), never in clear, or as a file the host
/// keeps up to date from Secrets Manager (rotation).</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Auth";
    public const string HeaderName = "X-Api-Key";

    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}

public sealed class ApiKeyEntry
{
    /// <summary>Who the key belongs to; the default owner of workflows it creates.</summary>
    public string Name { get; set; } = "";
    /// <summary>Hex SHA-256 of the key: <c>printf %s "$KEY" | sha256sum</c>. Set this or <see cref="File"/>.</summary>
    public string Sha256 { get; set; } = "";
    /// <summary>A file of keys, one per line, re-read while the service runs: the rotated secret's current value and
    /// its previous one, so clients holding the previous key keep working until the next rotation. Set this or
    /// <see cref="Sha256"/>.</summary>
    public string? File { get; set; }
    /// <summary><c>read</c> and/or <c>write</c>.</summary>
    public List<string> Scopes { get; set; } = [];
}

public static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string ClaimType = "scope";
}
