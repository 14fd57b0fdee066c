using System.Net;
using Workflows.Core.Nodes;

namespace Workflows.Tests.Nodes;

public class OutboundHttpPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")] [InlineData("10.1.2.3")] [InlineData("172.16.0.1")] [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")] [InlineData("169.254.169.254")] [InlineData("100.64.0.1")] [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")] [InlineData("::1")] [InlineData("fe80::1")] [InlineData("fd00::1")] [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")] [InlineData("::7f00:1")] [InlineData("2002:a00:1::")] // NAT64, IPv4-compatible, 6to4 wrapping private IPv4
    [InlineData("192.0.2.2")] [InlineData("198.51.100.7")] [InlineData("203.0.113.9")] [InlineData("198.18.0.1")] [InlineData("240.0.0.1")] // documentation, benchmarking, reserved
    [InlineData("2001:db8::1")] [InlineData("2001::1")] [InlineData("100::1")] [InlineData("3fff::1")] // documentation, Teredo, discard
    public void Private_and_special_addresses_are_not_public(string address) =>
        Assert.False(OutboundHttpPolicy.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")] [InlineData("172.32.0.1")] [InlineData("100.128.0.1")] [InlineData("2606:4700::1111")] [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_public(string address) =>
        Assert.True(OutboundHttpPolicy.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Host_patterns_match_exact_names_and_subdomains()
    {
        var policy = new OutboundHttpPolicy { AllowedHosts = ["api.example.com", "*.trusted.org"] };
        Assert.True(policy.IsHostAllowed("API.example.com"));
        Assert.True(policy.IsHostAllowed("a.b.trusted.org"));
        Assert.False(policy.IsHostAllowed("trusted.org.evil.com"));
        Assert.False(policy.IsHostAllowed("example.com"));
        Assert.True(new OutboundHttpPolicy().IsHostAllowed("anything.net"));
    }

    [Fact]
    public void Private_networks_can_be_allowed_explicitly() =>
        Assert.True(new OutboundHttpPolicy { AllowPrivateNetworks = true }.IsAddressAllowed(IPAddress.Loopback));
}
