using Amazon.CDK.AWS.EC2;
using Constructs;

namespace Infra.Stacks.Common;

/// <summary>
/// Admits a consumer tier to a data store. The rule is created in the consumer's stack: the data stack deploys
/// first and must not depend on the tiers that use it (CDK would otherwise put the rule in the store's stack and
/// make the two stacks reference each other).
/// </summary>
public static class StoreAccess
{
    public static CfnSecurityGroupIngress Allow(Construct consumerScope, string id, ISecurityGroup store, ISecurityGroup consumer, int port, string description) =>
        new(consumerScope, id, new CfnSecurityGroupIngressProps
        {
            GroupId = store.SecurityGroupId,
            SourceSecurityGroupId = consumer.SecurityGroupId,
            IpProtocol = "tcp",
            FromPort = port,
            ToPort = port,
            Description = description,
        });
}
