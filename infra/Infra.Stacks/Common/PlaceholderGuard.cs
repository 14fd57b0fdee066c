using Amazon.CDK;
using Infra.Stacks.Settings;

namespace Infra.Stacks.Common;

/// <summary>
/// Makes CloudFormation refuse to deploy a stack built from placeholder settings: a template rule whose assertion
/// fails, so `cdk deploy` (or a change set) stops before any resource changes, with a message naming the settings file
/// and key. The rule reads a parameter whose default is the offending value: a deliberate override is possible
/// (`--parameters`), an accident is not.
/// </summary>
public static class PlaceholderGuard
{
    public static void Apply(Stack stack, EnvironmentSettings settings, IEnumerable<string> keys)
    {
        var found = Placeholders.Find(settings).Where(p => keys.Contains(p.Key)).ToList();
        if (found.Count == 0) return;
        var value = string.Join(";", found.Select(p => $"{p.Key}={p.Value}"));
        var parameter = new CfnParameter(stack, "PlaceholderSettings", new CfnParameterProps
        {
            Type = "String",
            Default = value,
            Description = $"Settings of stacks/{settings.Name}.yaml that are still placeholders; a deploy is refused while this holds them.",
        });
        _ = new CfnRule(stack, "RefusePlaceholderSettings", new CfnRuleProps
        {
            Assertions =
            [
                new CfnRuleAssertion
                {
                    Assert = Fn.ConditionNot(Fn.ConditionEquals(parameter.ValueAsString, value)),
                    AssertDescription = $"stacks/{settings.Name}.yaml still holds placeholders: {string.Join(", ", found.Select(p => $"{p.Key} = {p.Value}"))}. Set your own values and synthesize again.",
                },
            ],
        });
    }
}
