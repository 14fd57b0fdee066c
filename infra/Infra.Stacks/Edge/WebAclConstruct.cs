using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Edge;

/// <summary>
/// The AWS WAF web ACL in front of CloudFront (scope CLOUDFRONT, so it lives in us-east-1): AWS managed rule groups
/// (IP reputation, the common rule set, known bad inputs) and a per-IP rate limit, every rule with CloudWatch metrics
/// and sampled requests, and the ACL's log in CloudWatch Logs.
/// </summary>
public sealed class WebAclConstruct : Construct
{
    public CfnWebACL WebAcl { get; }

    public WebAclConstruct(Construct scope, string id, EnvironmentSettings settings) : base(scope, id)
    {
        var edge = settings.Edge;
        var prefix = $"workflows-{settings.Name}";
        CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
        {
            CloudWatchMetricsEnabled = true, SampledRequestsEnabled = true, MetricName = $"{prefix}-{name}",
        };
        CfnWebACL.RuleProperty Managed(string name, int priority, params string[] countOnly) => new()
        {
            Name = name,
            Priority = priority,
            OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
            Statement = new CfnWebACL.StatementProperty
            {
                ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty
                {
                    VendorName = "AWS",
                    Name = name,
                    RuleActionOverrides = countOnly.Length == 0 ? null : countOnly.Select(rule => (object)new CfnWebACL.RuleActionOverrideProperty
                    {
                        Name = rule, ActionToUse = new CfnWebACL.RuleActionProperty { Count = new CfnWebACL.CountActionProperty() },
                    }).ToArray(),
                },
            },
            VisibilityConfig = Visibility(name),
        };

        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Name = prefix,
            Description = $"{settings.Name} workflow platform: AWS managed rules and a per-IP rate limit in front of CloudFront",
            Scope = "CLOUDFRONT",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("web-acl"),
            Rules = new object[]
            {
                Managed("AWSManagedRulesAmazonIpReputationList", 0),
                // Workflow definitions are JSON documents larger than the rule set's 8 KB body limit: that one rule only
                // counts; the service itself refuses bodies over its own limit with a problem-details 413.
                Managed("AWSManagedRulesCommonRuleSet", 1, "SizeRestrictions_BODY"),
                Managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
                new CfnWebACL.RuleProperty
                {
                    Name = "RatePerIp",
                    Priority = 3,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = edge.RateLimitPer5Minutes, AggregateKeyType = "IP" },
                    },
                    VisibilityConfig = Visibility("rate-per-ip"),
                },
            },
        });

        // WAF logs only to log groups named aws-waf-logs-*, given by an ARN without the ":*" suffix.
        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = $"aws-waf-logs-{prefix}",
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        var stack = Stack.Of(this);
        var logging = new CfnLoggingConfiguration(this, "Logging", new CfnLoggingConfigurationProps
        {
            ResourceArn = WebAcl.AttrArn,
            LogDestinationConfigs = [$"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:log-group:{logs.LogGroupName}"],
        });
        logging.Node.AddDependency(logs);
    }
}
