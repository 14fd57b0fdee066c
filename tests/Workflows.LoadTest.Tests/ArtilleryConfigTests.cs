using System.Text.Json.Nodes;
using Workflows.LoadProfiles;
using Workflows.LoadRunner;

namespace Workflows.LoadTest.Tests;

/// <summary>A profile as the artillery script the runner generates: k6's ramping users as arrival phases plus the slot loop.</summary>
public class ArtilleryConfigTests
{
    private static readonly LoadProfile Seed = ProfileLoader.Load("seed", Repository.File("loadtest", "profiles"));

    [Fact]
    public void Rising_stages_add_their_users_and_the_others_pause()
    {
        var config = ArtilleryConfig.Build(Seed, "http://127.0.0.1:8088", "key", "wf_1", "/p.js");
        var phases = config["config"]!["phases"]!.AsArray().Select(p => (Arrivals: p!["arrivalCount"]?.GetValue<int>(), Pause: p["pause"]?.GetValue<double>(), Duration: p["duration"]?.GetValue<double>())).ToList();
        Assert.Equal([(100, null, 60.0), (null, 180.0, null), (400, null, 120.0), (null, 300.0, null), (null, 60.0, null)], phases);
    }

    [Fact]
    public void Each_user_loops_the_profiles_steps_while_its_slot_is_wanted_and_checks_the_expected_statuses()
    {
        var config = ArtilleryConfig.Build(Seed.TimeScaled(0.1), "http://127.0.0.1:8088", "secret", "wf_1", "/p.js");
        var scenario = config["scenarios"]![0]!;
        Assert.Equal(("assignSlot", "checkStatus"), (scenario["beforeScenario"]!.GetValue<string>(), scenario["afterResponse"]!.GetValue<string>()));
        var loop = scenario["flow"]![0]!;
        Assert.Equal("keepRunning", loop["whileTrue"]!.GetValue<string>());
        var steps = loop["loop"]!.AsArray();
        Assert.Equal("/api/workflows", steps[0]!["get"]!["url"]!.GetValue<string>());
        Assert.Equal(1, steps[1]!["think"]!.GetValue<double>()); // think times are not scaled
        Assert.Equal("/api/workflows/{{ workflowId }}/execute", steps[2]!["post"]!["url"]!.GetValue<string>());
        Assert.Equal("executeWorkflow", steps[2]!["post"]!["name"]!.GetValue<string>());
        var variables = config["config"]!["variables"]!;
        Assert.Equal("wf_1", variables["workflowId"]!.GetValue<string>());
        Assert.Equal([202], JsonNode.Parse(variables["expectJson"]!.GetValue<string>())!["executeWorkflow"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Equal("6s", JsonNode.Parse(variables["stagesJson"]!.GetValue<string>())![0]!["duration"]!.GetValue<string>()); // 1 minute × 0.1
        Assert.Equal("secret", config["config"]!["defaults"]!["headers"]!["X-Api-Key"]!.GetValue<string>());
        // The profile's thresholds, as artillery's own checks too.
        Assert.Equal(500, config["config"]!["ensure"]!["thresholds"]![0]!["http.response_time.p95"]!.GetValue<double>());
    }
}
