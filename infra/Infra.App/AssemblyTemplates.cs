using System.Text.Json.Nodes;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>One environment's synthesized templates, read once from the cloud assembly for the summary and the guardrails.</summary>
public static class AssemblyTemplates
{
    /// <summary>Each stack's template, then its nested stacks' (the EKS providers).</summary>
    public static IReadOnlyList<(Amazon.CDK.Stack? Stack, SynthesizedTemplate Template)> Read(PlatformStacks stacks, string assemblyDirectory)
    {
        var templates = new List<(Amazon.CDK.Stack?, SynthesizedTemplate)>();
        foreach (var stack in stacks.All)
        {
            templates.Add((stack, Load(stack.StackName, Path.Combine(assemblyDirectory, stack.TemplateFile))));
            var prefix = stack.ArtifactId.Replace("-", "");
            foreach (var nested in Directory.GetFiles(assemblyDirectory, $"{prefix}*.nested.template.json"))
                templates.Add((null, Load($"{stack.StackName}/{Path.GetFileName(nested)}", nested)));
        }
        return templates;
    }

    private static SynthesizedTemplate Load(string name, string file) => new(name, JsonNode.Parse(File.ReadAllText(file))!.AsObject());
}
