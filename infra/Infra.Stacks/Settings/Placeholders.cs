namespace Infra.Stacks.Settings;

/// <summary>
/// Settings that still hold the example values shipped in stacks/*.yaml (the documentation account 123456789012, the
/// all-zero certificate id, example.com names). Synthesis goes on with them, so the tables and tests work on a fresh
/// clone; a deploy is refused (see <see cref="Common.PlaceholderGuard"/>).
/// </summary>
public static class Placeholders
{
    public static IReadOnlyList<(string Key, string Value)> Find(EnvironmentSettings s) =>
        new (string Key, string? Value)[]
        {
            ("web.certificateArn", s.Web.CertificateArn),
            ("edge.certificateArn", s.Edge.CertificateArn),
            ("edge.originDomainName", s.Edge.OriginDomainName),
            ("edge.domainNames", s.Edge.DomainNames.Count == 0 ? null : string.Join(",", s.Edge.DomainNames)),
            ("aws.account", s.Aws.Account),
        }
        .Where(p => p.Value is not null && IsPlaceholder(p.Value))
        .Select(p => (p.Key, p.Value!))
        .ToList();

    public static bool IsPlaceholder(string value) =>
        value.Contains("123456789012") || value.Contains("00000000-0000-0000-0000-000000000000")
        || value.Split(',').Any(name => name == "example.com" || name.EndsWith(".example.com", StringComparison.Ordinal));
}
