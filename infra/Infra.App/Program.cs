using Infra.App;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;
using Infra.Templates;

// The IaC program's entry point. Synthesizes every environment in stacks/ (or the one named by --env, or by the
// CDK CLI's `-c env=NAME`) into cdk.out/ with no AWS access, then prints a summary per environment.
// Exit codes: 0 synthesized and guardrails passed, 2 bad settings or arguments, 3 a guardrail broken.
// `rehearse …` replays a load profile against the synthesized scaling policies (see RehearseCommand).
Synthesis.QuietJsii();
if (args.Length > 0 && args[0] == "rehearse") return await RehearseCommand.RunAsync(args[1..]);

try
{
    var options = CommandLine.Parse(args);
    var paths = AppPaths.Find(Directory.GetCurrentDirectory());
    var cliOutdir = System.Environment.GetEnvironmentVariable("CDK_OUTDIR"); // set when the CDK CLI runs us
    var only = options.Environment ?? CliContext.Environment();
    var environments = SettingsLoader.LoadAll(Path.Combine(paths.RepositoryRoot, options.StacksDir), only);
    var (built, assembly) = Synthesis.Run(environments, paths, cliOutdir ?? Path.Combine(paths.RepositoryRoot, options.OutDir));

    // Under the CDK CLI stdout is the CLI's; the summary goes to stderr there.
    var output = cliOutdir is null ? Console.Out : Console.Error;
    // One run of the compliance checks (cdk-nag, schemas) over every template of every environment.
    var compliance = ComplianceCheck.RunOnAssembly(paths.RepositoryRoot, assembly.Directory);
    var violations = 0;
    foreach (var (settings, stacks) in built)
    {
        var templates = AssemblyTemplates.Read(stacks, assembly.Directory);
        Summary.Print(output, settings, templates, compliance);
        var broken = Infra.Stacks.Guardrails.GuardrailRules.Check(templates.Select(t => t.Template).ToList(), settings.Production)
            .Select(v => $"guardrail broken: {v}")
            .Concat(Summary.Problems(templates, compliance).Select(p => $"compliance: {p}"))
            .ToList();
        foreach (var line in broken) Console.Error.WriteLine(line);
        violations += broken.Count;
    }
    if (violations > 0)
    {
        Console.Error.WriteLine($"{violations} guardrail or compliance violation(s): the templates in {assembly.Directory} must not be deployed.");
        return 3;
    }
    var nag = compliance.Findings.ToList();
    output.WriteLine($"Synthesized {built.Sum(b => b.Stacks.All.Count)} stacks into {assembly.Directory}; guardrails passed; " +
        $"cdk-nag {compliance.Tools["cdk-nag"]} AwsSolutions: 0 errors, {nag.Count(f => f.Level == "warning" && !f.Suppressed)} warnings, {nag.Count(f => f.Suppressed)} suppressed; schemas: 0 errors.");
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
