using System.Text.Json.Nodes;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>The per-environment table, read back from the synthesized templates (what will deploy, not what was meant).</summary>
public static class Summary
{
    public static void Print(TextWriter output, EnvironmentSettings settings, PlatformStacks stacks, string assemblyDirectory)
    {
        output.WriteLine();
        output.WriteLine($"== {settings.Name} ({settings.Aws.Region}{(settings.Production ? ", production" : "")})");
        output.WriteLine($"  {"stack",-36} {"resources",9}");
        var rules = new List<SynthesizedScalingRule>();
        foreach (var stack in stacks.All)
        {
            var resources = JsonNode.Parse(File.ReadAllText(Path.Combine(assemblyDirectory, stack.TemplateFile)))!["Resources"]!.AsObject();
            output.WriteLine($"  {stack.StackName,-36} {resources.Count,9}");
            rules.AddRange(TemplateScaling.Rules(resources));
        }
        output.WriteLine();
        output.WriteLine($"  {"scaling rule",-36} {"kind",-16} {"metric",-46} target");
        foreach (var r in rules) output.WriteLine($"  {r.Name,-36} {r.Kind,-16} {r.Metric,-46} {r.Target}");
    }
}
