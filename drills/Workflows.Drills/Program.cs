using Workflows.Harness;
using System.CommandLine;
using Spectre.Console;
using Workflows.Drills;
using Workflows.Drills.Drills;

// Fault drills: each prints its figures against its goals, writes them to --out as JSON, and exits 1 when a goal
// is missed (2 for bad arguments). `all` runs every drill in turn. See drills/README.md.
var outOption = new Option<string>("--out") { Description = "folder for the JSON results (and logs of failed drills)", DefaultValueFactory = _ => "drills/results", Recursive = true };
var root = new RootCommand("Fault drills for the workflow platform: kill, restart and attack it, and measure what survives.");
root.Options.Add(outOption);

var seconds = new Option<int>("--seconds") { Description = "how long clients post executions", DefaultValueFactory = _ => 30 };
var outage = new Option<int>("--outage") { Description = "seconds Redis stays down", DefaultValueFactory = _ => 4 };
var concurrency = new Option<int>("--concurrency") { Description = "clients posting at once", DefaultValueFactory = _ => 16 };
var rate = new Option<double>("--rate") { Description = "executions posted per second (0: as fast as answers come)", DefaultValueFactory = _ => 350 };
var executions = new Option<int>("--executions") { Description = "executions to run", DefaultValueFactory = _ => 2000 };
var kills = new Option<int>("--kills") { Description = "workers to SIGKILL", DefaultValueFactory = _ => 10 };
var grace = new Option<int>("--grace") { Description = "the worker's shutdown grace period (s)", DefaultValueFactory = _ => 20 };
var requests = new Option<int>("--requests") { Description = "hostile requests to send", DefaultValueFactory = _ => 1000 };

Command Drill(string name, string description, Func<ParseResult, Task<DrillReport>> run, params Option[] options)
{
    var command = new Command(name, description);
    foreach (var o in options) command.Options.Add(o);
    command.SetAction(async (ParseResult parsed, CancellationToken _) => Finish(await Guarded(name, run, parsed), parsed.GetValue(outOption)!));
    return command;
}

// A drill that cannot run (a tool missing, a process that will not start) is a failed drill with its reason, not a crash.
async Task<DrillReport> Guarded(string name, Func<ParseResult, Task<DrillReport>> run, ParseResult parsed)
{
    try
    {
        return await run(parsed);
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
    {
        var report = new DrillReport(name);
        report.Goal("drill ran to the end", e.Message.Split('\n')[0], "yes", false);
        return report;
    }
}

int Finish(DrillReport report, string outDir)
{
    report.Print();
    AnsiConsole.MarkupLine($"[grey]figures: {Markup.Escape(report.Save(outDir))}[/]");
    return report.Passed ? 0 : 1;
}

Task<DrillReport> RedisEmpty(ParseResult p) => RedisRestartDrill.RunAsync(false, TimeSpan.FromSeconds(p.GetValue(outage)), TimeSpan.FromSeconds(p.GetValue(seconds)), p.GetValue(concurrency), p.GetValue(rate));
Task<DrillReport> RedisAof(ParseResult p) => RedisRestartDrill.RunAsync(true, TimeSpan.FromSeconds(p.GetValue(outage)), TimeSpan.FromSeconds(p.GetValue(seconds)), p.GetValue(concurrency), p.GetValue(rate));
Task<DrillReport> WorkerKill(ParseResult p) => WorkerKillDrill.RunAsync(p.GetValue(executions), p.GetValue(kills), TimeSpan.FromSeconds(1));
Task<DrillReport> WorkerSigterm(ParseResult p) => WorkerSigtermDrill.RunAsync(p.GetValue(grace));
Task<DrillReport> Hostile(ParseResult p) => HostileInputDrill.RunAsync(p.GetValue(requests));

root.Subcommands.Add(Drill("redis-restart-empty", "Redis killed and started empty during continuous load (a replaced node)", RedisEmpty, seconds, outage, concurrency, rate));
root.Subcommands.Add(Drill("redis-restart-aof", "Redis killed and started from its append-only file during continuous load", RedisAof, seconds, outage, concurrency, rate));
root.Subcommands.Add(Drill("worker-kill", "workers SIGKILLed one after another while running a backlog", WorkerKill, executions, kills));
root.Subcommands.Add(Drill("worker-sigterm", "a worker SIGTERMed mid-run drains within its grace period", WorkerSigterm, grace));
root.Subcommands.Add(Drill("hostile-input", "malformed and malicious requests, SSRF attempts, expression bombs, a flooding key", Hostile, requests));

var all = new Command("all", "every drill in turn; exits 1 if any missed a goal");
foreach (var o in new Option[] { seconds, outage, concurrency, rate, executions, kills, grace, requests }) all.Options.Add(o);
all.SetAction(async (ParseResult parsed, CancellationToken _) =>
{
    var failed = 0;
    foreach (var (name, run) in new (string, Func<ParseResult, Task<DrillReport>>)[]
             { ("redis-restart-empty", RedisEmpty), ("redis-restart-aof", RedisAof), ("worker-kill", WorkerKill), ("worker-sigterm", WorkerSigterm), ("hostile-input", Hostile) })
        failed += Finish(await Guarded(name, run, parsed), parsed.GetValue(outOption)!);
    return failed == 0 ? 0 : 1;
});
root.Subcommands.Add(all);

var parseResult = root.Parse(args);
LocalPlatform.LogsRoot = parseResult.GetValue(outOption);
if (parseResult.Errors.Count > 0)
{
    foreach (var error in parseResult.Errors) Console.Error.WriteLine(error.Message);
    return 2;
}
return await parseResult.InvokeAsync();
