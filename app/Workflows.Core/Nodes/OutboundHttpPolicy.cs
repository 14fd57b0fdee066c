using System.Net;
using System.Net.Sockets;

namespace Workflows.Core.Nodes;

/// <summary>
/// Which hosts the <c>http</c> node may reach. Host names are matched against <see cref="AllowedHosts"/>
/// before the request; resolved addresses are checked again at connect time, so a name that resolves to a
/// private or link-local address (DNS rebinding, the instance metadata service) is refused too.
/// </summary>
public sealed record OutboundHttpPolicy
{
    /// <summary>Host patterns: <c>api.example.com</c>, <c>*.example.com</c>, or <c>*</c> for any public host.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = ["*"];

    /// <summary>Allows loopback, private (RFC 1918, RFC 4193), CGNAT and link-local addresses. Off by default.</summary>
    public bool AllowPrivateNetworks { get; init; }

    public long MaxResponseBytes { get; init; } = 1024 * 1024;

    public bool IsHostAllowed(string host)
    {
        foreach (var pattern in AllowedHosts)
        {
            if (pattern == "*") return true;
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
                : string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    public bool IsAddressAllowed(IPAddress address) => AllowPrivateNetworks || IsPublic(address);

    /// <summary>False for loopback, private, shared (CGNAT), link-local, multicast, unspecified and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0));
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            // Ranges that carry an IPv4 address inside: check that address instead.
            if (EmbeddedIPv4(b) is { } embedded) return IsPublic(embedded);
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC);
        }

        return false;
    }

    /// <summary>NAT64 (64:ff9b::/96), IPv4-compatible (::/96) and 6to4 (2002::/16) addresses embed an IPv4 address.</summary>
    private static IPAddress? EmbeddedIPv4(byte[] b)
    {
        var nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0);
        var compatible = b.Take(12).All(x => x == 0) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1); // not :: or ::1
        if (nat64 || compatible) return new IPAddress(b[12..16]);
        if (b[0] == 0x20 && b[1] == 0x02) return new IPAddress(b[2..6]);
        return null;
    }
}
