using System.CommandLine;
using Workflows.Bench;

// Benchmarks that run the service as processes. `calibrate` writes loadtest/calibration.json for the rehearsal.
var output = new Option<string>("--output") { Description = "the calibration file to write", DefaultValueFactory = _ => "loadtest/calibration.json" };
var requests = new Option<int>("--requests") { Description = "list requests to measure (executes: a quarter)", DefaultValueFactory = _ => 20000 };
var calibrate = new Command("calibrate", "measure per-request and per-execution costs for the scaling rehearsal") { output, requests };
calibrate.SetAction(async (ParseResult p, CancellationToken _) => await Calibrate.RunAsync(p.GetValue(output)!, p.GetValue(requests)));
var runs = new Option<int>("--runs") { Description = "runs per figure (the median is reported)", DefaultValueFactory = _ => 5 };
var rehearsal = new Command("rehearsal", "time the scaling rehearsal and the HPA decision path") { runs };
rehearsal.SetAction(async (ParseResult p, CancellationToken _) =>
    await RehearsalBench.RunAsync(Directory.GetCurrentDirectory(), p.GetValue(runs), Path.Combine("bench", "results", "rehearsal.json")));
var csv = new Option<string>("--csv") { Description = "bench/curve.sh's CSV", Required = true };
var png = new Option<string>("--png") { Description = "the PNG to write", Required = true };
var title = new Option<string>("--title") { Description = "the machine and the method, for the title", DefaultValueFactory = _ => "" };
var curve = new Command("plot-curve", "plot throughput and p95 against connections (bench/curve.sh)") { csv, png, title };
curve.SetAction(p => CurvePlot.Write(p.GetValue(csv)!, p.GetValue(png)!, p.GetValue(title)!));
var root = new RootCommand("Workflow platform benchmarks") { calibrate, rehearsal, curve };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
    return 2;
}
return await parsed.InvokeAsync();
