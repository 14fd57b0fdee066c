using Amazon.CDK;
using Infra.Stacks.Stacks;
using Infra.Templates;

namespace Infra.Tests.Fixtures;

/// <summary>
/// dev and prod synthesized into one cloud assembly on disk (as the main command writes cdk.out), and the compliance
/// checks (infra/compliance/check.mjs: cdk-nag, Kubernetes/KEDA schemas, CloudFormation specification) run over it once.
/// </summary>
public sealed class SynthesizedAssembly : IDisposable
{
    public string Directory { get; }
    public ComplianceReport Compliance { get; }

    public SynthesizedAssembly()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("assembly-").FullName;
        var environments = new[] { "dev", "prod" }.Select(Environments.Settings).ToList();
        var context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true };
        foreach (var (key, value) in environments.SelectMany(PlatformStacks.Context)) context[key] = value;
        var app = new Amazon.CDK.App(new AppProps { Outdir = Directory, Context = context });
        foreach (var settings in environments) _ = new PlatformStacks(app, settings, Environments.Paths);
        app.Synth();
        Compliance = ComplianceCheck.RunOnAssembly(Environments.Paths.RepositoryRoot, Directory);
    }

    public IEnumerable<TemplateCompliance> Of(string environment) =>
        Compliance.Templates.Where(t => t.Stack.StartsWith($"workflows-{environment}-") || Path.GetFileName(t.File).StartsWith(environment));

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
