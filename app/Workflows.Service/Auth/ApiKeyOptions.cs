namespace Workflows.Service.Auth;

/// <summary>Section <c>Auth</c>. Keys are stored as SHA-256 hashes (hex), never in clear.</summary>
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
    /// <summary>Hex SHA-256 of the key: <c>printf %s "$KEY" | sha256sum</c>.</summary>
    public string Sha256 { get; set; } = "";
    /// <summary><c>read</c> and/or <c>write</c>.</summary>
    public List<string> Scopes { get; set; } = [];
}

public static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string ClaimType = "scope";
}
