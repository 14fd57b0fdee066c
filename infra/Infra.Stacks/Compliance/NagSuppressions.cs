using System.Runtime.CompilerServices;
using Amazon.CDK;
using Constructs;

namespace Infra.Stacks.Compliance;

/// <summary>
/// One accepted cdk-nag finding: the rule, why it is acceptable here, and (for rules that report several findings on
/// one resource, such as IAM5's wildcards) which findings it covers, e.g. <c>Resource::*</c>; an entry written as
/// <c>/pattern/</c> is a regular expression.
/// </summary>
public sealed record NagSuppression(string Rule, string Reason, params string[] AppliesTo);

/// <summary>
/// Writes suppressions as cdk-nag reads them: the resource's CloudFormation metadata
/// <c>cdk_nag.rules_to_suppress</c> (see infra/compliance/nag.mjs). Written in C#, next to the resource they concern,
/// so a reviewer reads the reason where the resource is declared.
/// </summary>
public static class NagSuppressions
{
    // What has been written per resource: metadata is replaced as a whole, so later suppressions keep earlier ones.
    private static readonly ConditionalWeakTable<CfnResource, List<NagSuppression>> Written = new();

    /// <summary>Suppresses on <paramref name="construct"/> itself, or on its default CloudFormation resource.</summary>
    public static void Add(IConstruct construct, params NagSuppression[] suppressions)
    {
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} is not a CloudFormation resource and has none as its default child", nameof(construct));
        Write(resource, suppressions);
    }

    /// <summary>
    /// Suppresses on every CloudFormation resource under <paramref name="scope"/> that <paramref name="where"/> selects:
    /// for resources a library creates inside its own constructs (EKS's providers, CDK's custom resource handlers).
    /// </summary>
    public static void AddUnder(IConstruct scope, Func<CfnResource, bool> where, params NagSuppression[] suppressions)
    {
        foreach (var resource in scope.Node.FindAll().OfType<CfnResource>().Where(where))
            Write(resource, suppressions);
    }

    private static readonly ConditionalWeakTable<Stack, List<(string Path, NagSuppression Suppression)>> ByPath = new();

    /// <summary>
    /// Suppresses on the resources of <paramref name="stack"/> whose construct path contains
    /// <paramref name="pathFragment"/>, including resources CDK creates only while synthesizing (cross-region
    /// reference handlers), which no construct walk can reach earlier. Written to the template's own metadata
    /// (<c>cdk_nag.path_suppressions</c>), which infra/compliance/nag.mjs reads.
    /// </summary>
    public static void AddByPath(Stack stack, string pathFragment, params NagSuppression[] suppressions)
    {
        RequireReasons(suppressions, $"{stack.Node.Path}/…{pathFragment}…");
        var list = ByPath.GetOrCreateValue(stack);
        list.AddRange(suppressions.Select(s => (pathFragment, s)));
        var metadata = stack.TemplateOptions.Metadata ?? new Dictionary<string, object>();
        metadata["cdk_nag"] = new Dictionary<string, object>
        {
            ["path_suppressions"] = list.Select(e => new Dictionary<string, object>
            {
                ["path"] = e.Path, ["id"] = e.Suppression.Rule, ["reason"] = e.Suppression.Reason,
                ["applies_to"] = e.Suppression.AppliesTo.Select(AppliesTo).ToArray(),
            }).ToArray(),
        };
        stack.TemplateOptions.Metadata = metadata;
    }

    /// <summary>cdk-nag's own minimum: a reason a reviewer can weigh, 10 characters or more.</summary>
    private static void RequireReasons(NagSuppression[] suppressions, string where)
    {
        foreach (var s in suppressions)
            if (string.IsNullOrWhiteSpace(s.Reason) || s.Reason.Trim().Length < 10)
                throw new ArgumentException($"the suppression of {s.Rule} on {where} needs a reason (10 characters or more)");
    }

    private static object AppliesTo(string entry) =>
        entry.Length > 2 && entry.StartsWith('/') && entry.EndsWith('/') ? new Dictionary<string, object> { ["regex"] = entry } : entry;

    /// <summary>Suppresses on the default policy a role gets from grants and AddToPrincipalPolicy.</summary>
    public static void AddToDefaultPolicy(Amazon.CDK.AWS.IAM.IRole role, params NagSuppression[] suppressions)
    {
        var policy = role.Node.TryFindChild("DefaultPolicy")
            ?? throw new ArgumentException($"{role.Node.Path} has no default policy yet: suppress after adding its statements", nameof(role));
        Add(policy, suppressions);
    }

    private static void Write(CfnResource resource, NagSuppression[] suppressions)
    {
        RequireReasons(suppressions, resource.Node.Path);
        var list = Written.GetOrCreateValue(resource);
        list.AddRange(suppressions.Where(s => !list.Contains(s)));
        resource.AddMetadata("cdk_nag", new Dictionary<string, object>
        {
            ["rules_to_suppress"] = list.Select(s => s.AppliesTo.Length == 0
                ? new Dictionary<string, object> { ["id"] = s.Rule, ["reason"] = s.Reason }
                : new Dictionary<string, object> { ["id"] = s.Rule, ["reason"] = s.Reason, ["applies_to"] = s.AppliesTo.Select(AppliesTo).ToArray() }).ToArray(),
        });
    }
}
