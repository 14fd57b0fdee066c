using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Workflows.Core.Domain;
using Workflows.Harness;

namespace Workflows.Bench;

/// <summary>
/// Measures what the scaling rehearsal needs to know about this service, on this machine: the CPU time the API
/// process spends per request of each kind the seed profile makes (its CPU seconds over a run divided by the requests),
/// the time a request waits beyond that at low load, and the CPU time and duration of one execution in a worker.
/// Writes loadtest/calibration.json with the machine it ran on.
/// </summary>
public static class Calibrate
{
    public static async Task<int> RunAsync(string outputFile, int requests)
    {
        await using var platform = await LocalPlatform.StartAsync("calibrate", new PlatformOptions
        {
            Workers = 1,
            Api = new() { ["Api:RateLimit:Enabled"] = "false" },
        });
        var workflowId = await platform.CreateWorkflowAsync("""
            {"name": "calibration", "active": true,
             "nodes": [{"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ $input.n * 2 }}"}}}]}
            """);
        using var client = platform.Client(platform.WriteKey);
        var api = platform.Apis[0];
        var worker = platform.Workers[0];
        Task<HttpResponseMessage> List() => client.GetAsync("/api/workflows");
        Task<HttpResponseMessage> Execute() => client.PostAsync($"/api/workflows/{workflowId}/execute", new StringContent("""{"input": "test"}""", Encoding.UTF8, "application/json"));

        var figures = new JsonObject();
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
        {
            var warm = ctx.AddTask("warming up", maxValue: 1);
            await Run(List, 2000, 16);
            await Run(Execute, 1000, 16);
            await platform.WaitForTerminalAsync((await platform.ExecutionsAsync()).Keys.ToList(), TimeSpan.FromSeconds(60));
            warm.Value = 1;

            var list = ctx.AddTask("listWorkflows: CPU per request", maxValue: 1);
            var listCpu = await CpuPerRequest(api.Id, List, requests);
            var listWait = await WaitBeyondCpu(List, listCpu);
            list.Value = 1;

            var execute = ctx.AddTask("executeWorkflow: CPU per request and per execution", maxValue: 1);
            var before = (await platform.ExecutionsAsync()).Keys.ToHashSet();
            var workerBefore = ProcessCpu.Of(worker.Id);
            var executeCpu = await CpuPerRequest(api.Id, Execute, requests / 4);
            var executeWait = await WaitBeyondCpu(Execute, executeCpu);
            var ids = (await platform.ExecutionsAsync()).Keys.Where(k => !before.Contains(k)).ToList();
            var (done, _) = await platform.WaitForTerminalAsync(ids, TimeSpan.FromSeconds(120));
            await Task.Delay(1500); // the worker's last acknowledgements and heartbeats
            var executionCpu = (ProcessCpu.Of(worker.Id) - workerBefore).TotalMilliseconds / ids.Count;
            var durations = ids.Select(id => done[id]).Where(e => e.StartedAt is not null && e.FinishedAt is not null)
                .Select(e => (e.FinishedAt!.Value - e.StartedAt!.Value).TotalMilliseconds).Order().ToList();
            execute.Value = 1;

            figures["listWorkflows"] = new JsonObject { ["cpuMilliseconds"] = Round(listCpu), ["waitMilliseconds"] = Round(listWait) };
            figures["executeWorkflow"] = new JsonObject { ["cpuMilliseconds"] = Round(executeCpu), ["waitMilliseconds"] = Round(executeWait) };
            figures["_execution"] = new JsonObject
            {
                ["cpuMilliseconds"] = Round(executionCpu),
                ["durationMilliseconds"] = Round(durations.Count > 0 ? durations[durations.Count / 2] : 0),
                ["executions"] = ids.Count,
            };
        });

        var execution = figures["_execution"]!.AsObject();
        figures.Remove("_execution");
        var document = new JsonObject
        {
            ["$comment"] = "Written by bench/calibrate.sh: per-request CPU of the API process and per-execution CPU and duration in a worker, measured on the machine below. The scaling rehearsal reads it.",
            ["measuredAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd"),
            ["machine"] = new JsonObject { ["description"] = Machine.Describe(), ["cores"] = Environment.ProcessorCount },
            ["workflow"] = "one set node (the load test's workflow)",
            ["requests"] = figures,
            ["execution"] = new JsonObject { ["cpuMilliseconds"] = execution["cpuMilliseconds"]!.DeepClone(), ["durationMilliseconds"] = execution["durationMilliseconds"]!.DeepClone() },
        };
        File.WriteAllText(outputFile, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var table = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("listWorkflows CPU per request", $"{figures["listWorkflows"]!["cpuMilliseconds"]} ms");
        table.AddRow("listWorkflows wait beyond CPU (concurrency 1)", $"{figures["listWorkflows"]!["waitMilliseconds"]} ms");
        table.AddRow("executeWorkflow CPU per request", $"{figures["executeWorkflow"]!["cpuMilliseconds"]} ms");
        table.AddRow("executeWorkflow wait beyond CPU (concurrency 1)", $"{figures["executeWorkflow"]!["waitMilliseconds"]} ms");
        table.AddRow("execution CPU in the worker", $"{execution["cpuMilliseconds"]} ms ({execution["executions"]} executions)");
        table.AddRow("execution duration (median, started → finished)", $"{execution["durationMilliseconds"]} ms");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(Machine.Describe())}; wrote {Markup.Escape(outputFile)}[/]");
        return 0;
    }

    private static double Round(double v) => Math.Round(v, 3);

    private static async Task Run(Func<Task<HttpResponseMessage>> call, int count, int concurrency)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                using var response = await call();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"calibration request failed: {(int)response.StatusCode}");
            }
        }));
    }

    /// <summary>The API process's CPU time over <paramref name="count"/> requests at concurrency 16, per request.</summary>
    private static async Task<double> CpuPerRequest(int pid, Func<Task<HttpResponseMessage>> call, int count)
    {
        var before = ProcessCpu.Of(pid);
        await Run(call, count, 16);
        return (ProcessCpu.Of(pid) - before).TotalMilliseconds / count;
    }

    /// <summary>Median latency one at a time, less the CPU part: what a request waits on I/O (store, Redis) and the network.</summary>
    private static async Task<double> WaitBeyondCpu(Func<Task<HttpResponseMessage>> call, double cpu)
    {
        var latencies = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await call();
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        return Math.Max(0, latencies[latencies.Count / 2] - cpu);
    }
}
