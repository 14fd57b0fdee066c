using Amazon.CDK;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

namespace Infra.App;

/// <summary>Synthesizes environments into a cloud assembly, with nothing looked up.</summary>
public static class Synthesis
{
    /// <summary>Before the jsii runtime starts: quiet its known, harmless warnings unless the user chose otherwise.</summary>
    public static void QuietJsii()
    {
        // CDK 2.160's step-scaling construct passes its own deprecated `cooldown` prop internally (we set none), which jsii
        // reports as a [WARNING] on every synth. See README "Warnings".
        // jsii prints a banner for Node releases past end of life. Node 20 (the oldest we support; see README) works with the
        // jsii runtime CDK 2.160 ships, so the banner is noise in the main command's output.
        foreach (var (name, value) in new[] { ("JSII_DEPRECATED", "quiet"), ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "14,16,18,20"), ("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1") })
            if (System.Environment.GetEnvironmentVariable(name) is null) System.Environment.SetEnvironmentVariable(name, value);
    }

    public static (List<(EnvironmentSettings Settings, PlatformStacks Stacks)> Built, Amazon.CDK.CXAPI.CloudAssembly Assembly) Run(
        IReadOnlyList<(string File, EnvironmentSettings Settings)> environments, AppPaths paths, string outDirectory)
    {
        // Construct paths in resource metadata (as the CDK CLI turns on: the summary names rules by them), and the
        // context every environment needs so that nothing is looked up.
        var context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true };
        foreach (var (key, value) in environments.SelectMany(e => PlatformStacks.Context(e.Settings))) context[key] = value;
        var app = new Amazon.CDK.App(new AppProps { Outdir = outDirectory, Context = context });
        var built = environments.Select(e => (e.Settings, Stacks: new PlatformStacks(app, e.Settings, paths))).ToList();
        return (built, app.Synth());
    }
}
