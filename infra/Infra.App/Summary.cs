using Infra.Stacks.Guardrails;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>The per-environment table, read back from the synthesized templates (what will deploy, not what was meant).</summary>
public static class Summary
{
    public static void Print(TextWriter output, EnvironmentSettings settings, IReadOnlyList<(Amazon.CDK.Stack? Stack, SynthesizedTemplate Template)> templates)
    {
        output.WriteLine();
        output.WriteLine($"== {settings.Name} ({settings.Aws.Region}{(settings.Production ? ", production" : "")})");
        output.WriteLine($"  {"stack",-36} {"resources",9}");
        var rules = new List<SynthesizedScalingRule>();
        foreach (var (stack, template) in templates.Where(t => t.Stack is not null))
        {
            var resources = template.Template["Resources"]!.AsObject();
            output.WriteLine($"  {stack!.StackName,-36} {resources.Count,9}");
            rules.AddRange(TemplateScaling.Rules(resources));
        }
        output.WriteLine();
        output.WriteLine($"  {"scaling rule",-36} {"kind",-16} {"metric",-46} target");
        foreach (var r in rules) output.WriteLine($"  {r.Name,-36} {r.Kind,-16} {r.Metric,-46} {r.Target}");
    }
}
