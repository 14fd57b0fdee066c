using System.Text.Json.Nodes;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>Runs the guardrail rules over one environment's synthesized templates.</summary>
public static class Guardrails
{
    public static IReadOnlyList<Violation> Check(EnvironmentSettings settings, PlatformStacks stacks, string assemblyDirectory) =>
        GuardrailRules.Check(
            stacks.All.Select(s => new SynthesizedTemplate(s.StackName,
                JsonNode.Parse(File.ReadAllText(Path.Combine(assemblyDirectory, s.TemplateFile)))!.AsObject())).ToList(),
            settings.Production);
}
