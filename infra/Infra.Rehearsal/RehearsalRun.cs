using System.Diagnostics;
using Infra.Rehearsal.Load;
using Infra.Rehearsal.Output;
using Infra.Rehearsal.Policies;
using Infra.Rehearsal.Simulation;
using Spectre.Console;
using Workflows.LoadProfiles;

namespace Infra.Rehearsal;

/// <summary>What <c>rehearse</c> was asked to do.</summary>
/// <param name="Sets">What-ifs, <c>key=value</c>: a policy (<see cref="PolicyOverrides.Keys"/>), a model parameter or a calibration figure.</param>
public sealed record RehearsalRequest(string Environment, string Profile, string AssemblyDirectory, string ProfilesDirectory, string CalibrationFile,
    string OutDirectory, IReadOnlyList<string> Sets, bool Plots = true);

/// <summary>
/// The <c>rehearse</c> command without its synthesis step: policies from the cloud assembly, the profile, the
/// calibration and the what-ifs in; the table, plots, CSV and JSON out. Exit 0 when the SLO holds, 1 when it is
/// breached, 2 for bad input (the message names the file and field, or the key).
/// </summary>
public static class RehearsalRun
{
    public static int Execute(RehearsalRequest request, IAnsiConsole console)
    {
        RehearsalResult result;
        var watch = Stopwatch.StartNew();
        try
        {
            var policies = TemplatePolicyReader.Read(request.AssemblyDirectory, request.Environment);
            var profile = ProfileLoader.Load(request.Profile, request.ProfilesDirectory);
            var calibration = Calibration.Load(request.CalibrationFile);
            var parameters = new ModelParameters();
            foreach (var set in request.Sets)
            {
                var eq = set.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--set {set}: expected key=value");
                var (key, value) = (set[..eq].Trim(), set[(eq + 1)..].Trim());
                if (PolicyOverrides.IsKnown(key)) policies = PolicyOverrides.Apply(policies, key, value);
                else if (parameters.IsKnown(key)) parameters.Set(key, value);
                else if (Calibration.Keys(calibration).Contains(key)) calibration = calibration.With(key, value);
                else throw new ArgumentException($"--set {key}: unknown key. Policies: {string.Join(", ", PolicyOverrides.Keys.Select(k => k.Key))}; " +
                    $"model parameters: {string.Join(", ", ModelParameters.All.Select(d => d.Key))}; calibration: {string.Join(", ", Calibration.Keys(calibration))}");
            }
            result = console.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"rehearsing {request.Environment} with {profile.Name} ({profile.Duration.TotalMinutes:0.#} min of load)", maxValue: 1);
                return new Simulation.Rehearsal(policies, profile, calibration, parameters).Run(new Progress<double>(v => task.Value = v));
            });
        }
        catch (Exception e) when (e is PolicyNotUnderstoodException or ProfileException or CalibrationException or ArgumentException or FileNotFoundException)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 2;
        }
        var simulated = watch.Elapsed;

        ConsoleReport.Print(result, console);
        Directory.CreateDirectory(request.OutDirectory);
        SeriesFiles.WriteCsv(result, Path.Combine(request.OutDirectory, "timeseries.csv"));
        SeriesFiles.WriteJson(result, Path.Combine(request.OutDirectory, "rehearsal.json"));
        var plots = request.Plots ? Output.Plots.Write(result, request.OutDirectory) : [];
        console.MarkupLine($"[grey]simulated in {simulated.TotalSeconds:0.00} s; wrote timeseries.csv, rehearsal.json{(plots.Count > 0 ? ", " + string.Join(", ", plots.Select(Path.GetFileName)) : "")} to {Markup.Escape(request.OutDirectory)}[/]");
        return result.Passed ? 0 : 1;
    }
}
