using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Infra.Rehearsal.Contract;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;
using Spectre.Console;
using Workflows.Harness;
using Workflows.LoadProfiles;

namespace Workflows.Bench;

/// <summary>
/// Times the scaling rehearsal: the whole command (process start, reading the assembly, simulating, writing CSV and
/// JSON), the simulation alone for the 12-minute seed and the 24-hour diurnal profile, and the HPA decision path in
/// cases per second over the 123 upstream cases. Medians of several runs, with the machine.
/// </summary>
public static class RehearsalBench
{
    public static async Task<int> RunAsync(string root, int runs, string resultsFile)
    {
        var assembly = Path.Combine(root, "cdk.out");
        // One run of the command first: it synthesizes prod when the assembly is missing or stale, which is not the figure.
        await Command(root, "--no-plots");
        var policies = TemplatePolicyReader.Read(assembly, "prod");
        var calibration = Calibration.Load(Path.Combine(root, "loadtest", "calibration.json"));
        var profiles = Path.Combine(root, "loadtest", "profiles");

        double Median(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }
        double Engine(string profile) => Median(Enumerable.Range(0, runs).Select(_ =>
        {
            var watch = Stopwatch.StartNew();
            new Rehearsal(policies, ProfileLoader.Load(profile, profiles), calibration, new ModelParameters()).Run();
            return watch.Elapsed.TotalSeconds;
        }));

        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn($"median of {runs}").RightAligned()).AddColumn("goal");
        var seedCommand = new List<double>();
        for (var i = 0; i < runs; i++) seedCommand.Add(await Command(root, "--no-plots"));
        var seedWithPlots = new List<double>();
        for (var i = 0; i < runs; i++) seedWithPlots.Add(await Command(root));
        var seedEngine = Engine("seed");
        var diurnalEngine = Engine("diurnal");
        var diurnalCommand = new List<double>();
        for (var i = 0; i < runs; i++) diurnalCommand.Add(await Command(root, "--profile", "diurnal"));

        var cases = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "tests", "Infra.Rehearsal.Tests", "Kubernetes", "hpa-cases.json")))!.AsArray();
        for (var i = 0; i < 200; i++) HpaDecisionCase.Decide(cases[i % cases.Count]!.DeepClone()); // warm
        var casesPerSecond = Median(Enumerable.Range(0, runs).Select(_ =>
        {
            var watch = Stopwatch.StartNew();
            var n = 0;
            while (watch.Elapsed < TimeSpan.FromSeconds(1)) { HpaDecisionCase.Decide(cases[n % cases.Count]!.DeepClone()); n++; }
            return n / watch.Elapsed.TotalSeconds;
        }));

        table.AddRow("rehearse --env prod --profile seed (whole command, no plots)", $"{Median(seedCommand):0.00} s", "< 2 s");
        table.AddRow("rehearse --env prod --profile seed (whole command, 5 plots)", $"{Median(seedWithPlots):0.00} s", "< 2 s");
        table.AddRow("rehearse --env prod --profile diurnal (whole command, 5 plots)", $"{Median(diurnalCommand):0.00} s", "< 10 s");
        table.AddRow("simulation alone: seed (12 min, 1 s ticks)", $"{seedEngine * 1000:0} ms", "");
        table.AddRow("simulation alone: diurnal (24 h, 1 s ticks)", $"{diurnalEngine * 1000:0} ms", "");
        table.AddRow("hpa-decide: upstream cases per second (in process)", $"{casesPerSecond:0}", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(Machine.Describe())}[/]");

        Directory.CreateDirectory(Path.GetDirectoryName(resultsFile)!);
        File.WriteAllText(resultsFile, new JsonObject
        {
            ["machine"] = Machine.Describe(), ["runs"] = runs,
            ["seedCommandSeconds"] = Median(seedCommand), ["seedCommandWithPlotsSeconds"] = Median(seedWithPlots),
            ["diurnalCommandSeconds"] = Median(diurnalCommand), ["seedSimulationSeconds"] = seedEngine,
            ["diurnalSimulationSeconds"] = diurnalEngine, ["hpaCasesPerSecond"] = casesPerSecond,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return Median(seedWithPlots) < 2 && Median(diurnalCommand) < 10 ? 0 : 1;
    }

    /// <summary>The command as a user runs it (the built Infra.App), wall seconds.</summary>
    private static async Task<double> Command(string root, params string[] extra)
    {
        var app = Path.Combine(root, "infra", "Infra.App", "bin", "Release", "net10.0", "Infra.App.dll");
        var outDir = Directory.CreateTempSubdirectory("rehearsal-bench-").FullName;
        var info = new ProcessStartInfo("dotnet", [app, "rehearse", "--env", "prod", "--out", outDir, .. extra])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        Directory.Delete(outDir, recursive: true);
        if (process.ExitCode is not (0 or 1)) throw new InvalidOperationException($"rehearse exited {process.ExitCode}: {await output}");
        return seconds;
    }
}
