using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Infra.Stacks.Guardrails;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // one jsii runtime per process: keep calls serial

namespace Infra.Tests.Fixtures;

/// <summary>One synthesized environment: its settings, its stacks and their templates.</summary>
public sealed class SynthesizedEnvironment(EnvironmentSettings settings, PlatformStacks stacks)
{
    private readonly ConcurrentDictionary<Stack, Template> _templates = new();

    public EnvironmentSettings Settings { get; } = settings;
    public PlatformStacks Stacks { get; } = stacks;

    public Template Template(Stack stack) => _templates.GetOrAdd(stack, s => Amazon.CDK.Assertions.Template.FromStack(s));
    public Template Network => Template(Stacks.Network);
    public Template Data => Template(Stacks.Data);
    public Template Web => Template(Stacks.Web);
    public Template Edge => Template(Stacks.Edge);
    public Template Observability => Template(Stacks.Observability);
    public Template Workers => Template(Stacks.Workers);

    /// <summary>The Kubernetes objects the workers stack applies, parsed from its manifest resources.</summary>
    public IReadOnlyList<JsonNode> KubernetesObjects =>
        TemplateScaling.Manifests(JsonNode.Parse(JsonSerializer.Serialize(Workers.ToJSON()))!["Resources"]!.AsObject()).ToList();

    public JsonNode KubernetesObject(string kind) => KubernetesObjects.Single(o => o["kind"]!.GetValue<string>() == kind && o["metadata"]!["namespace"]?.GetValue<string>() == "workflows");

    public IReadOnlyList<SynthesizedTemplate> Templates =>
        Stacks.All.Select(s => new SynthesizedTemplate(s.StackName, JsonNode.Parse(JsonSerializer.Serialize(Template(s).ToJSON()))!.AsObject())).ToList();

    public IReadOnlyList<Violation> Violations => GuardrailRules.Check(Templates, Settings.Production);
}

/// <summary>Builds environments from the repository's real stacks/*.yaml (cached), or from edited settings.</summary>
public static class Environments
{
    private static readonly ConcurrentDictionary<string, SynthesizedEnvironment> Cache = new();

    public static AppPaths Paths { get; } = AppPaths.Find(AppContext.BaseDirectory);

    public static string SettingsFile(string name) => Path.Combine(Paths.RepositoryRoot, "stacks", name + ".yaml");

    public static EnvironmentSettings Settings(string name) => SettingsLoader.Load(SettingsFile(name));

    /// <summary>The environment exactly as stacks/NAME.yaml declares it.</summary>
    public static SynthesizedEnvironment Get(string name) => Cache.GetOrAdd(name, n => Build(Settings(n)));

    /// <summary>A fresh build, optionally with settings the validator would refuse and constructs broken after the fact.</summary>
    public static SynthesizedEnvironment Build(EnvironmentSettings settings, Action<PlatformStacks>? breakIt = null)
    {
        var context = new Dictionary<string, object>(PlatformStacks.Context(settings)) { ["aws:cdk:enable-path-metadata"] = true };
        var app = new Amazon.CDK.App(new AppProps { Context = context });
        var stacks = new PlatformStacks(app, settings, Paths);
        breakIt?.Invoke(stacks);
        return new SynthesizedEnvironment(settings, stacks);
    }

    public static TheoryData<string> Names => ["dev", "prod"];
}

/// <summary>Pattern helpers for Amazon.CDK.Assertions.</summary>
public static class P
{
    /// <summary>Every resource of a type, as JSON, for checks the matchers cannot express (e.g. inside Fn::Join).</summary>
    public static List<JsonObject> Resources(Template template, string type) =>
        template.FindResources(type).Values.Select(r => JsonNode.Parse(JsonSerializer.Serialize(r))!.AsObject()).ToList();

    /// <summary>Asserts that a property of every resource of a type is a Secrets Manager dynamic reference.</summary>
    public static void ResolvesSecret(Template template, string type, string property)
    {
        var resources = Resources(template, type);
        Assert.NotEmpty(resources);
        foreach (var r in resources)
            Assert.Contains("{{resolve:secretsmanager:", r["Properties"]![property]!.ToJsonString());
    }

    public static Dictionary<string, object> Obj(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);
    public static object Like(params (string Key, object Value)[] entries) => Match.ObjectLike(Obj(entries));
}
