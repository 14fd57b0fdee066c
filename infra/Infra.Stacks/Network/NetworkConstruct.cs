using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Infra.Stacks.Common;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Network;

/// <summary>
/// A VPC over the listed zones with three tiers of subnets: public (ALB, NAT), private with egress (instances, EKS
/// nodes and pods: /20 each since the VPC CNI gives every pod an address) and isolated (data stores: no route out).
/// Flow logs go to CloudWatch Logs.
/// </summary>
public sealed class NetworkConstruct : Construct
{
    public const string PublicTier = "public";
    public const string AppTier = "app";
    public const string DataTier = "data";

    public Vpc Vpc { get; }
    public SubnetSelection PublicSubnets => new() { SubnetGroupName = PublicTier };
    public SubnetSelection AppSubnets => new() { SubnetGroupName = AppTier };
    public SubnetSelection DataSubnets => new() { SubnetGroupName = DataTier };

    public NetworkConstruct(Construct scope, string id, EnvironmentSettings settings) : base(scope, id)
    {
        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = RetentionPeriods.Of(settings.Network.FlowLogRetentionDays),
            RemovalPolicy = settings.Production ? Amazon.CDK.RemovalPolicy.RETAIN : Amazon.CDK.RemovalPolicy.DESTROY,
        });

        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(settings.Network.Cidr),
            AvailabilityZones = settings.Aws.AvailabilityZones.ToArray(), // explicit: no lookups at synth
            NatGateways = settings.Network.NatGateways,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = PublicTier, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = AppTier, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 20 },
                new SubnetConfiguration { Name = DataTier, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["all"] = new FlowLogOptions { Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs), TrafficType = FlowLogTrafficType.ALL },
            },
        });
    }
}
