using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class NetworkTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_vpc_spans_the_listed_zones_with_three_subnet_tiers(string env)
    {
        var e = Environments.Get(env);
        var zones = e.Settings.Aws.AvailabilityZones.Count;
        e.Network.HasResourceProperties("AWS::EC2::VPC", Like(("CidrBlock", e.Settings.Network.Cidr)));
        e.Network.ResourceCountIs("AWS::EC2::Subnet", 3 * zones);
        foreach (var tier in new[] { "Public", "Private", "Isolated" })
            Assert.Equal(zones, e.Network.FindResources("AWS::EC2::Subnet", Like(("Properties", Like(("Tags", Match.ArrayWith([Like(("Key", "aws-cdk:subnet-type"), ("Value", tier))])))))).Count);
        foreach (var zone in e.Settings.Aws.AvailabilityZones)
            e.Network.HasResourceProperties("AWS::EC2::Subnet", Like(("AvailabilityZone", zone)));
        e.Network.ResourceCountIs("AWS::EC2::NatGateway", e.Settings.Network.NatGateways);
        e.Network.HasResourceProperties("AWS::EC2::FlowLog", Like(("TrafficType", "ALL")));
    }

    [Fact]
    public void Prod_has_a_nat_gateway_per_zone_and_dev_shares_one()
    {
        Environments.Get("prod").Network.ResourceCountIs("AWS::EC2::NatGateway", 3);
        Environments.Get("dev").Network.ResourceCountIs("AWS::EC2::NatGateway", 1);
    }
}
