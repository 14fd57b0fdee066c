using System.Text.Json.Nodes;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>Runs the guardrail rules over one environment's synthesized templates.</summary>
public static class Guardrails
{
    /// <summary>Every stack's template and its nested stacks' (the EKS providers), read from the cloud assembly.</summary>
    public static IReadOnlyList<Violation> Check(EnvironmentSettings settings, PlatformStacks stacks, string assemblyDirectory)
    {
        var templates = new List<SynthesizedTemplate>();
        foreach (var stack in stacks.All)
        {
            templates.Add(Read(stack.StackName, Path.Combine(assemblyDirectory, stack.TemplateFile)));
            var prefix = stack.ArtifactId.Replace("-", "");
            foreach (var nested in Directory.GetFiles(assemblyDirectory, $"{prefix}*.nested.template.json"))
                templates.Add(Read($"{stack.StackName}/{Path.GetFileName(nested)}", nested));
        }
        return GuardrailRules.Check(templates, settings.Production);
    }

    private static SynthesizedTemplate Read(string name, string file) =>
        new(name, JsonNode.Parse(File.ReadAllText(file))!.AsObject());
}
