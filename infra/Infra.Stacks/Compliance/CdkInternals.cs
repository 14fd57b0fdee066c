using Amazon.CDK;
using Constructs;

namespace Infra.Stacks.Compliance;

/// <summary>
/// cdk-nag findings on resources CDK itself creates for the constructs we use (the EKS cluster's providers, the
/// DocumentDB log retention function, AwsCustomResource's handler, the custom resource provider framework). We cannot
/// change their code or roles short of re-implementing them; each suppression says what the resource is and why its
/// finding is acceptable. Called by the construct that causes the resources, once they exist.
/// </summary>
public static class CdkInternals
{
    private const string Upgrade = "Amazon.CDK.Lib is pinned at 2.160 (2.161+ needs Constructs >= 10.5, not served here), which fixes the runtime of its own handlers";

    public static readonly NagSuppression HandlerRuntime = new("AwsSolutions-L1",
        $"a handler CDK ships for its own custom resources; its runtime is chosen by CDK, not by us: {Upgrade}");

    public static readonly NagSuppression HandlerManagedPolicies = new("AwsSolutions-IAM4",
        "CDK's handler role: AWSLambdaBasicExecutionRole (its own log stream) and, in a VPC, AWSLambdaVPCAccessExecutionRole (its network interfaces); CDK 2.160 offers no inline replacement",
        "/^Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambda(Basic|VPCAccess)ExecutionRole$/");

    public static readonly NagSuppression ProviderInvokesVersions = new("AwsSolutions-IAM5",
        "the provider framework invokes its handler function and that function's versions (<function arn>:*), nothing else",
        "/^Resource::<.*\\.Arn>:\\*$/");

    /// <summary>The EKS cluster's providers (nested stacks and stack-level handlers) under <paramref name="stack"/>.</summary>
    public static void SuppressEksProviders(Stack stack)
    {
        NagSuppressions.AddUnder(stack, IsCdkHandlerResource, HandlerRuntime, HandlerManagedPolicies, ProviderInvokesVersions);
        NagSuppressions.AddUnder(stack, r => r.Node.Path.Contains("/Custom::AWSCDKOpenIdConnectProviderCustomResourceProvider/"), new NagSuppression("AwsSolutions-IAM5",
            "CDK's OIDC provider handler (IRSA): iam:CreateOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint and related calls on * as CDK 2.160 writes them; the provider's ARN is not known before it exists",
            "Resource::*"));
        NagSuppressions.AddUnder(stack, r => r.Node.Path.Contains("waiter-state-machine"),
            new NagSuppression("AwsSolutions-SF1", "the provider framework's waiter state machine (polls the cluster's creation); its executions are in the Step Functions history, and CDK 2.160 exposes no logging option for it"),
            new NagSuppression("AwsSolutions-SF2", "the provider framework's waiter state machine; CDK 2.160 exposes no tracing option for it"),
            new NagSuppression("AwsSolutions-IAM5", "the waiter state machine starts the framework's own handlers and their versions; CDK's generated policy, scoped to those functions except for the logs delivery actions that have no resource scope",
                "Resource::*", "/^Resource::<.*\\.Arn>:\\*$/"));
    }

    /// <summary>The handler that empties a bucket before it is deleted (autoDeleteObjects, non-production only).</summary>
    public static void SuppressAutoDeleteObjects(Stack stack) =>
        NagSuppressions.AddUnder(stack, r => r.Node.Path.Contains("/Custom::S3AutoDeleteObjectsCustomResourceProvider/"), HandlerRuntime, HandlerManagedPolicies);

    /// <summary>
    /// The handlers behind a cross-region reference: a writer in the producing region puts the value into SSM
    /// parameters of the consuming region, a reader there reads them (the WAF ACL's ARN for CloudFront).
    /// </summary>
    public static void SuppressCrossRegionReferences(Stack stack) =>
        NagSuppressions.AddByPath(stack, "/Custom::CrossRegionExport", HandlerRuntime, HandlerManagedPolicies,
            new NagSuppression("AwsSolutions-IAM5", "CDK's cross-region reference handler reads and writes the SSM parameters under /cdk/exports/<stack>/*, the path CDK reserves for them",
                "/^Resource::arn:<AWS::Partition>:ssm:.*:parameter/cdk/exports/.*\\*$/"));

    /// <summary>The Lambda log retention handler CDK adds for CloudWatch log exports with a retention.</summary>
    public static void SuppressLogRetention(Stack stack) =>
        NagSuppressions.AddUnder(stack, r => r.Node.Path.Contains("/LogRetention"), HandlerRuntime, HandlerManagedPolicies,
            new NagSuppression("AwsSolutions-IAM5", "CDK's log retention handler sets the retention of log groups it is told about at deploy time (logs:PutRetentionPolicy, logs:DeleteRetentionPolicy on *): the groups are created by the service (DocumentDB) with names unknown until then", "Resource::*"));

    /// <summary>The singleton handler of AwsCustomResource (SDK calls made at deploy time).</summary>
    public static void SuppressAwsCustomResourceHandler(Stack stack) =>
        NagSuppressions.AddUnder(stack, r => r.Node.Path.Contains("/AWS679f53fac002430cb0da5b7982bd2287"), HandlerRuntime, HandlerManagedPolicies);

    private static bool IsCdkHandlerResource(CfnResource r) =>
        r.CfnResourceType is "AWS::Lambda::Function" or "AWS::IAM::Role" or "AWS::IAM::Policy"
        && (r.Node.Path.Contains("/@aws-cdk--aws-eks.") || r.Node.Path.Contains("CustomResourceProvider/") || r.Node.Path.Contains("/Provider/framework-"));

}
