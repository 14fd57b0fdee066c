using Amazon.CDK;
using Infra.App;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;

// The IaC program's entry point. Synthesizes every environment in stacks/ (or the one named by --env, or by the
// CDK CLI's `-c env=NAME`) into cdk.out/ with no AWS access, then prints a summary per environment.
// Exit codes: 0 synthesized, 2 bad settings or arguments.
try
{
    var options = CommandLine.Parse(args);
    var paths = AppPaths.Find(Directory.GetCurrentDirectory());
    var cliOutdir = System.Environment.GetEnvironmentVariable("CDK_OUTDIR"); // set when the CDK CLI runs us
    var app = new App(new AppProps { Outdir = cliOutdir ?? Path.Combine(paths.RepositoryRoot, options.OutDir) });

    var only = options.Environment ?? app.Node.TryGetContext("env") as string;
    var environments = SettingsLoader.LoadAll(Path.Combine(paths.RepositoryRoot, options.StacksDir), only);
    var built = environments.Select(e => (e.Settings, Stacks: new PlatformStacks(app, e.Settings, paths))).ToList();

    var assembly = app.Synth();
    // Under the CDK CLI stdout is the CLI's; the summary goes to stderr there.
    var output = cliOutdir is null ? Console.Out : Console.Error;
    foreach (var (settings, stacks) in built) Summary.Print(output, settings, stacks, assembly.Directory);
    output.WriteLine($"Synthesized {built.Sum(b => b.Stacks.All.Count)} stacks into {assembly.Directory}");
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
