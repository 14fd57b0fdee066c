using System.CommandLine;
using Workflows.LoadRunner;

// The load test runner (see README, "Load test"): loadtest/run.sh --profile seed --time-scale 0.1
var profile = new Option<string>("--profile") { Description = "a built-in profile (seed, smoke, stress, spike, diurnal) or a profile file", DefaultValueFactory = _ => "seed" };
var timeScale = new Option<double>("--time-scale") { Description = "multiplies every duration (0.1: the 12-minute seed in 72 s)", DefaultValueFactory = _ => 1.0 };
var baseUrl = new Option<string>("--base-url") { Description = "the platform (nginx of loadtest/local.sh up by default)", DefaultValueFactory = _ => "http://127.0.0.1:8088" };
var apiKeyFile = new Option<string>("--api-key-file") { Description = "file holding the API key (LOADTEST_API_KEY wins)", DefaultValueFactory = _ => ".local/api-key" };
var outDir = new Option<string?>("--out") { Description = "results folder (default loadtest/results/<profile>)" };
var engine = new Option<string>("--engine") { Description = "artillery (npm, pinned), or dotnet: the same virtual users in this process, lighter on a machine the platform shares", DefaultValueFactory = _ => "artillery" };
engine.AcceptOnlyFromAmong("artillery", "dotnet");
var root = new RootCommand("Run a load profile against a running platform with artillery; results, thresholds, plots.") { profile, timeScale, baseUrl, apiKeyFile, outDir, engine };
root.SetAction(async (ParseResult p, CancellationToken _) =>
{
    var repository = Directory.GetCurrentDirectory();
    var scale = p.GetValue(timeScale);
    if (scale is <= 0 or > 100) { Console.Error.WriteLine($"--time-scale {scale}: must be above 0 and at most 100"); return 2; }
    var key = Environment.GetEnvironmentVariable("LOADTEST_API_KEY");
    var keyFile = p.GetValue(apiKeyFile)!;
    if (string.IsNullOrEmpty(key))
    {
        if (!File.Exists(keyFile)) { Console.Error.WriteLine($"no API key: {keyFile} does not exist and LOADTEST_API_KEY is not set (loadtest/local.sh up writes the file)"); return 2; }
        key = File.ReadAllText(keyFile).Trim();
    }
    var name = Path.GetFileNameWithoutExtension(p.GetValue(profile)!);
    var output = Path.GetFullPath(p.GetValue(outDir) ?? Path.Combine("loadtest", "results", name));
    return await LoadTest.RunAsync(new LoadTestRequest(p.GetValue(profile)!, scale, p.GetValue(baseUrl)!, key, output, repository, p.GetValue(engine)!));
});
// Redirected output (a log file, CI) has no width: keep table rows on one line rather than wrap at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 160;
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine(e.Message);
    return 2;
}
return await parsed.InvokeAsync();
