using System.Text.Json.Nodes;
using Workflows.LoadProfiles;
using Workflows.LoadRunner;

namespace Workflows.LoadTest.Tests;

/// <summary>The runner's reading of the live statistics: per-endpoint figures, thresholds, and the stress knee.</summary>
public class SummaryTests
{
    private static string Live(params (int T, int Users, double Latency, int Failed)[] seconds)
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, seconds.Select(s => new JsonObject
        {
            ["t"] = s.T, ["users"] = s.Users,
            ["requests"] = new JsonObject
            {
                ["listWorkflows"] = new JsonObject { ["count"] = 10, ["failed"] = 0, ["latencies"] = new JsonArray(Enumerable.Repeat(s.Latency, 10).Select(v => (JsonNode?)v).ToArray()) },
                ["executeWorkflow"] = new JsonObject { ["count"] = 10, ["failed"] = s.Failed, ["latencies"] = new JsonArray(Enumerable.Repeat(s.Latency * 2, 10).Select(v => (JsonNode?)v).ToArray()) },
            },
        }.ToJsonString()).Append("{\"t\": 99, \"requ"));   // a line still being written is skipped
        return path;
    }

    [Fact]
    public void Per_endpoint_figures_and_thresholds_come_from_every_second()
    {
        var profile = ProfileLoader.Load("seed", Repository.File("loadtest", "profiles"));
        var results = LiveResults.Read(Live(Enumerable.Range(0, 20).Select(t => (t, 100, 10.0, 0)).ToArray()), profile);
        var summary = Summary.Build(profile, results, new QueueWait.Result(200, 0, 0.01, 0.05, 0.1), null);

        Assert.Equal(20, results.Seconds.Count);
        var execute = summary.Endpoints.Single(e => e.Name == "executeWorkflow");
        Assert.Equal((200L, 0L, 20.0, 10.0), (execute.Requests, execute.Failed, execute.P95, execute.PerSecond));
        Assert.All(summary.Checks, c => Assert.True(c.Met, c.Name));
        Assert.Equal(0, summary.ExitCode);

        var failing = Summary.Build(profile, LiveResults.Read(Live(Enumerable.Range(0, 20).Select(t => (t, 100, 10.0, 1)).ToArray()), profile), null, null);
        Assert.Equal(5, failing.Checks.Single(c => c.Name == "error rate").Measured, 6); // 1 in 20 requests a second
        Assert.Equal(1, failing.ExitCode);
    }

    [Fact]
    public void The_stress_knee_is_the_first_ten_second_window_that_breaks_a_threshold()
    {
        var stress = ProfileLoader.Load("stress", Repository.File("loadtest", "profiles"));
        // Latency doubles from second 30 on: 200 ms for lists, 400 ms for executes, then 700/1400 at second 50.
        var seconds = Enumerable.Range(0, 70).Select(t => (t, t * 10, t < 50 ? 20.0 : 700.0, 0)).ToArray();
        var summary = Summary.Build(stress, LiveResults.Read(Live(seconds), stress), null, stoppedAt: 60);
        var knee = Assert.IsType<Summary.Knee>(summary.StressKnee);
        Assert.Equal(50, knee.AtSecond);           // the window 41-50 holds one second of 700/1400 ms: its p95 is over 500
        Assert.Equal(500, knee.Users);
        Assert.Equal(20, knee.RequestsPerSecond, 6);
        Assert.Equal(10, knee.ExecutionsPerSecond, 6);
        Assert.Equal(0, summary.ExitCode);          // a stress run's result is its knee
    }
}
