using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Workflows.ScalingSignals;
using Infra.Stacks.Compliance;

namespace Infra.Stacks.Common;

/// <summary>The contract's signals as CloudWatch metrics: the only way the IaC program reads the service's metrics.</summary>
public static class SignalMetrics
{
    /// <summary>A signal for one environment, with its contract statistic and period; extra dimensions (Status, Component) as given.</summary>
    public static Metric Metric(ScalingSignal signal, string environment, IReadOnlyDictionary<string, string>? extra = null, string? statistic = null)
    {
        var dimensions = new Dictionary<string, string> { [Workflows.ScalingSignals.Signals.EnvironmentDimension] = environment };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) dimensions[k] = v;
        var missing = signal.Dimensions.Except(dimensions.Keys).ToList();
        if (missing.Count > 0 || dimensions.Keys.Except(signal.Dimensions).Any())
            throw new ArgumentException($"{signal.Name} is published with dimensions {string.Join(", ", signal.Dimensions)}; got {string.Join(", ", dimensions.Keys)}");
        return new Metric(new MetricProps
        {
            Namespace = Workflows.ScalingSignals.Signals.Namespace,
            MetricName = signal.Name,
            DimensionsMap = dimensions,
            Statistic = statistic ?? signal.Statistic,
            Period = Duration.Seconds(Workflows.ScalingSignals.Signals.PeriodSeconds),
            Label = signal.Description,
        });
    }
}

/// <summary>IAM for publishing the signals.</summary>
public static class SignalPolicies
{
    /// <summary>cloudwatch:PutMetricData, only into the contract's namespace (the API has no resource-level scoping; the condition key is the limit).</summary>
    public static void AllowPublishing(IGrantable grantee)
    {
        grantee.GrantPrincipal.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PublishScalingSignals",
            Actions = ["cloudwatch:PutMetricData"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["cloudwatch:namespace"] = Workflows.ScalingSignals.Signals.Namespace },
            },
        }));
        if (grantee.GrantPrincipal is IRole role)
            NagSuppressions.AddToDefaultPolicy(role, new NagSuppression("AwsSolutions-IAM5",
                "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by its condition to the signal contract's namespace",
                "Resource::*"));
    }
}
