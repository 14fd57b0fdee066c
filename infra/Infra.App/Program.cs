using Amazon.CDK;
using Infra.App;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

// The IaC program's entry point. Synthesizes every environment in stacks/ (or the one named by --env, or by the
// CDK CLI's `-c env=NAME`) into cdk.out/ with no AWS access, then prints a summary per environment.
// Exit codes: 0 synthesized and guardrails passed, 2 bad settings or arguments, 3 a guardrail broken.
// CDK 2.160's step-scaling construct passes its own deprecated `cooldown` prop internally (we set none), which jsii
// reports as a [WARNING] on every synth. Set before the jsii runtime starts; see README "Warnings".
if (System.Environment.GetEnvironmentVariable("JSII_DEPRECATED") is null) System.Environment.SetEnvironmentVariable("JSII_DEPRECATED", "quiet");
// jsii prints a banner for Node releases past end of life. Node 20 (the oldest we support; see README) works with the
// jsii runtime CDK 2.160 ships, so the banner is noise in the main command's output. A value the user set wins.
foreach (var (name, value) in new[] { ("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "14,16,18,20"), ("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1") })
    if (System.Environment.GetEnvironmentVariable(name) is null) System.Environment.SetEnvironmentVariable(name, value);

try
{
    var options = CommandLine.Parse(args);
    var paths = AppPaths.Find(Directory.GetCurrentDirectory());
    var cliOutdir = System.Environment.GetEnvironmentVariable("CDK_OUTDIR"); // set when the CDK CLI runs us
    var only = options.Environment ?? CliContext.Environment();
    var environments = SettingsLoader.LoadAll(Path.Combine(paths.RepositoryRoot, options.StacksDir), only);

    // Construct paths in resource metadata (as the CDK CLI turns on: the summary names rules by them), and the
    // context every environment needs so that nothing is looked up.
    var context = new Dictionary<string, object> { ["aws:cdk:enable-path-metadata"] = true };
    foreach (var (key, value) in environments.SelectMany(e => PlatformStacks.Context(e.Settings))) context[key] = value;
    var app = new App(new AppProps { Outdir = cliOutdir ?? Path.Combine(paths.RepositoryRoot, options.OutDir), Context = context });
    var built = environments.Select(e => (e.Settings, Stacks: new PlatformStacks(app, e.Settings, paths))).ToList();

    var assembly = app.Synth();
    // Under the CDK CLI stdout is the CLI's; the summary goes to stderr there.
    var output = cliOutdir is null ? Console.Out : Console.Error;
    var violations = 0;
    foreach (var (settings, stacks) in built)
    {
        var templates = AssemblyTemplates.Read(stacks, assembly.Directory);
        Summary.Print(output, settings, templates);
        foreach (var violation in Infra.Stacks.Guardrails.GuardrailRules.Check(templates.Select(t => t.Template).ToList(), settings.Production))
        {
            Console.Error.WriteLine($"guardrail broken: {violation}");
            violations++;
        }
    }
    if (violations > 0)
    {
        Console.Error.WriteLine($"{violations} guardrail violation(s): the templates in {assembly.Directory} must not be deployed.");
        return 3;
    }
    output.WriteLine($"Synthesized {built.Sum(b => b.Stacks.All.Count)} stacks into {assembly.Directory}; guardrails passed.");
    return 0;
}
catch (SettingsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (CommandLineException e)
{
    Console.Error.WriteLine($"{e.Message}\n{CommandLine.Usage}");
    return 2;
}
