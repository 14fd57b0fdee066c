using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Rehearsal;
using Infra.Rehearsal.Contract;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;
using Spectre.Console;

namespace Infra.App;

/// <summary>
/// <c>rehearse --env prod --profile seed [--out DIR] [--set key=value]…</c>: replays a load profile against the scaling
/// policies of the synthesized templates (synthesizing the environment first when cdk.out lacks it or is older than
/// its settings or this program). <c>rehearse hpa-decide --input cases.json</c>: the HPA decision contract.
/// </summary>
public static class RehearseCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var env = new Option<string>("--env") { Description = "environment (stacks/<env>.yaml)", DefaultValueFactory = _ => "prod" };
        var profile = new Option<string>("--profile") { Description = "a built-in profile (seed, smoke, stress, spike, diurnal) or a profile file", DefaultValueFactory = _ => "seed" };
        var outDir = new Option<string?>("--out") { Description = "folder for the plots, CSV and JSON (default rehearsal/<env>-<profile>)" };
        var sets = new Option<string[]>("--set") { Description = "what-if: a policy (workers.maxReplicas=40), a model parameter or a calibration figure", AllowMultipleArgumentsPerToken = false };
        var calibration = new Option<string>("--calibration") { Description = "measured costs (bench/calibrate.sh writes it)", DefaultValueFactory = _ => "loadtest/calibration.json" };
        var stacks = new Option<string>("--stacks") { Description = "the folder of environment settings", DefaultValueFactory = _ => "stacks" };
        var assembly = new Option<string>("--assembly") { Description = "the cloud assembly to read", DefaultValueFactory = _ => "cdk.out" };
        var synth = new Option<bool>("--synth") { Description = "synthesize even when the assembly looks current" };
        var noPlots = new Option<bool>("--no-plots") { Description = "skip the PNG plots" };

        var root = new RootCommand("Scaling rehearsal: replay a load profile against the scaling policies we synthesize.")
        {
            env, profile, outDir, sets, calibration, stacks, assembly, synth, noPlots,
        };
        root.SetAction(parsed =>
        {
            var paths = AppPaths.Find(Directory.GetCurrentDirectory());
            var environment = parsed.GetValue(env)!;
            var assemblyDir = Path.GetFullPath(parsed.GetValue(assembly)!, paths.RepositoryRoot);
            try
            {
                // Templates from other settings than these would look current by their dates: another folder always synthesizes.
                var stacksDir = Path.GetFullPath(parsed.GetValue(stacks)!, paths.RepositoryRoot);
                var otherSettings = stacksDir != Path.Combine(paths.RepositoryRoot, "stacks");
                EnsureSynthesized(paths, stacksDir, environment, assemblyDir, parsed.GetValue(synth) || otherSettings);
            }
            catch (SettingsException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var profileName = parsed.GetValue(profile)!;
            var request = new RehearsalRequest(environment, profileName, assemblyDir, Path.Combine(paths.RepositoryRoot, "loadtest", "profiles"),
                Path.GetFullPath(parsed.GetValue(calibration)!, paths.RepositoryRoot),
                Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine("rehearsal", $"{environment}-{Path.GetFileNameWithoutExtension(profileName)}"), paths.RepositoryRoot),
                parsed.GetValue(sets) ?? [], !parsed.GetValue(noPlots));
            return RehearsalRun.Execute(request, AnsiConsole.Console);
        });

        var input = new Option<string>("--input") { Description = "a case, or a JSON array of cases (see README, 'HPA decision contract')", Required = true };
        var decide = new Command("hpa-decide", "Decide HPA cases as the Kubernetes controller would; prints one result, or an array in the same order.") { input };
        decide.SetAction(parsed =>
        {
            var file = parsed.GetValue(input)!;
            try
            {
                var json = JsonNode.Parse(file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file))!;
                Console.WriteLine(HpaDecisionCase.Decide(json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            catch (Exception e) when (e is HpaCaseException or JsonException or IOException)
            {
                Console.Error.WriteLine($"{file}: {e.Message}");
                return 2;
            }
        });
        root.Subcommands.Add(decide);

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors) Console.Error.WriteLine(error.Message);
            return 2;
        }
        return await parseResult.InvokeAsync();
    }

    /// <summary>Synthesizes the environment when its templates are missing or older than its settings or this program.</summary>
    private static void EnsureSynthesized(AppPaths paths, string stacksDirectory, string environment, string assemblyDirectory, bool force)
    {
        var settingsFile = Path.Combine(stacksDirectory, environment + ".yaml");
        var template = Path.Combine(assemblyDirectory, $"{environment}-workers.template.json");
        var program = typeof(PlatformStacks).Assembly.Location;
        var stale = force || !File.Exists(template)
            || File.GetLastWriteTimeUtc(template) < File.GetLastWriteTimeUtc(settingsFile)
            || File.GetLastWriteTimeUtc(template) < File.GetLastWriteTimeUtc(program);
        if (!stale) return;
        AnsiConsole.MarkupLine($"[grey]synthesizing {Markup.Escape(environment)} into {Markup.Escape(assemblyDirectory)} (its templates were missing or older than the settings or the program)…[/]");
        var environments = SettingsLoader.LoadAll(stacksDirectory, environment);
        Synthesis.Run(environments, paths, assemblyDirectory);
    }
}
