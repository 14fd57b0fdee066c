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

    /// <summary>
    /// False for every range of IANA's special-purpose registries that is not globally reachable: loopback, private,
    /// shared (CGNAT), link-local, multicast, unspecified, and the documentation, benchmarking and reserved ranges
    /// (which are never on the internet, so an address in them is somebody's internal network: seen on a sandbox whose
    /// own interface was 192.0.2.2).
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224                   // this network, private, multicast, reserved, broadcast
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)                 // 100.64/10 shared (CGNAT)
                || (b[0] == 169 && b[1] == 254)                               // link-local, the metadata service
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)                  // 172.16/12 private
                || (b[0] == 192 && b[1] == 168)                               // 192.168/16 private
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)               // 192.0.0/24 protocol assignments, 192.0.2/24 TEST-NET-1
                || (b[0] == 192 && b[1] == 88 && b[2] == 99)                  // 6to4 relay anycast (deprecated)
                || (b[0] == 198 && b[1] is 18 or 19)                          // 198.18/15 benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)                 // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));                // TEST-NET-3
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            // Ranges that carry an IPv4 address inside: check that address instead.
            if (EmbeddedIPv4(b) is { } embedded) return IsPublic(embedded);
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast || (b[0] & 0xFE) == 0xFC                          // ULA fc00::/7
                || (b[0] == 0x01 && b[1] == 0x00 && b[2..8].All(x => x == 0))                // 100::/64 discard
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)            // 2001:db8::/32 documentation
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)                             // 2001::/23 protocol assignments (Teredo, benchmarking)
                || (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0));                    // 3fff::/20 documentation
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
