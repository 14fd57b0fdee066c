using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Workflows.Harness;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

public sealed record LoadTestRequest(string Profile, double TimeScale, string BaseUrl, string ApiKey, string OutDirectory, string RepositoryRoot,
    string Engine = "artillery");

/// <summary>
/// One load test: creates the workflow the users execute, runs artillery with the profile, then reads the live
/// statistics (per second, per request) and artillery's report, checks the profile's thresholds (and the queue wait,
/// measured on the executions themselves), and writes the results. Exit 0 when every threshold holds (a stress profile:
/// when the knee was found), 1 when one is breached, 2 for bad input or an unreachable platform.
/// </summary>
public static class LoadTest
{
    public static async Task<int> RunAsync(LoadTestRequest request)
    {
        LoadProfile profile;
        try
        {
            profile = ProfileLoader.Load(request.Profile, Path.Combine(request.RepositoryRoot, "loadtest", "profiles")).TimeScaled(request.TimeScale);
        }
        catch (ProfileException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 2;
        }
        Directory.CreateDirectory(request.OutDirectory);
        var artillery = request.Engine == "artillery" ? await Artillery.EnsureInstalledAsync(request.RepositoryRoot) : null;

        using var http = new HttpClient { BaseAddress = new Uri(request.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", request.ApiKey);
        string workflowId;
        try
        {
            workflowId = await CreateWorkflowAsync(http);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            AnsiConsole.MarkupLine($"[red]the platform at {Markup.Escape(request.BaseUrl)} did not accept the test's workflow: {Markup.Escape(e.Message)}[/] (is it up? loadtest/local.sh up)");
            return 2;
        }

        var live = Path.Combine(request.OutDirectory, "live.jsonl");
        File.Delete(live);
        var report = Path.Combine(request.OutDirectory, "report.json");
        File.Delete(report);

        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(profile.Name)}[/] against {Markup.Escape(request.BaseUrl)}: {profile.Duration.TotalSeconds:0} s" +
            $"{(request.TimeScale != 1 ? $" (time scale {request.TimeScale})" : "")}, up to {profile.PeakUsers} users, engine {request.Engine}");
        int exit;
        double? stoppedAtBreach;
        if (artillery is not null)
        {
            var config = Path.Combine(request.OutDirectory, "artillery.json");
            File.WriteAllText(config, ArtilleryConfig.Build(profile, request.BaseUrl, request.ApiKey, workflowId,
                Path.Combine(request.RepositoryRoot, "loadtest", "artillery", "processor.js")).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            (exit, stoppedAtBreach) = await Artillery.RunAsync(artillery, config, report, live, Path.Combine(request.OutDirectory, "artillery.log"), profile);
        }
        else
        {
            using var cancel = new CancellationTokenSource();
            var users = new VirtualUsers(profile, new Uri(request.BaseUrl), request.ApiKey, workflowId, live).RunAsync(cancel.Token);
            stoppedAtBreach = await LiveMonitor.WatchAsync(profile, live, "starting users", () => users.IsCompleted, () => { cancel.Cancel(); return Task.CompletedTask; });
            await users;
            exit = 0;
        }

        var results = LiveResults.Read(live, profile);
        if (results.Seconds.Count == 0)
        {
            AnsiConsole.MarkupLine($"[red]artillery produced no results (exit {exit}); see {Markup.Escape(Path.Combine(request.OutDirectory, "artillery.log"))}[/]");
            return 2;
        }
        results.AddTransportErrors(report);
        var queueWait = await QueueWait.MeasureAsync(http, workflowId);
        var summary = Summary.Build(profile, results, queueWait, stoppedAtBreach);
        summary.Print();
        summary.Write(request.OutDirectory, results);
        Plots.Write(results, profile, request.OutDirectory);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(Machine.Describe())}; results in {Markup.Escape(request.OutDirectory)}[/]");
        return summary.ExitCode;
    }

    private static async Task<string> CreateWorkflowAsync(HttpClient http)
    {
        var body = """
            {"name": "loadtest", "active": true,
             "nodes": [{"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ ($input?.n ?? 1) * 2 }}"}}}]}
            """;
        using var response = await http.PostAsync("/api/workflows", new StringContent(body, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /api/workflows answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }
}
