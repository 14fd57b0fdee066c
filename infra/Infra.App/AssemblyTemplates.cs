using System.Text.Json.Nodes;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>One template of the cloud assembly: its stack (null for a nested stack), its JSON and its file.</summary>
public sealed record AssemblyTemplate(Amazon.CDK.Stack? Stack, SynthesizedTemplate Template, string File);

/// <summary>One environment's synthesized templates, read once from the cloud assembly for the summary and the guardrails.</summary>
public static class AssemblyTemplates
{
    /// <summary>Each stack's template, then its nested stacks' (the EKS providers).</summary>
    public static IReadOnlyList<AssemblyTemplate> Read(PlatformStacks stacks, string assemblyDirectory)
    {
        var templates = new List<AssemblyTemplate>();
        foreach (var stack in stacks.All)
        {
            var file = Path.GetFullPath(Path.Combine(assemblyDirectory, stack.TemplateFile));
            templates.Add(new(stack, Load(stack.StackName, file), file));
            var prefix = stack.ArtifactId.Replace("-", "");
            foreach (var nested in Directory.GetFiles(assemblyDirectory, $"{prefix}*.nested.template.json").Order())
                templates.Add(new(null, Load($"{stack.StackName}/{Path.GetFileName(nested)}", nested), Path.GetFullPath(nested)));
        }
        return templates;
    }

    private static SynthesizedTemplate Load(string name, string file) => new(name, JsonNode.Parse(File.ReadAllText(file))!.AsObject());
}
