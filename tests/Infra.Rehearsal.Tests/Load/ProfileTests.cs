using Workflows.LoadProfiles;

namespace Infra.Rehearsal.Tests.Load;

/// <summary>The load profile files: the built-in ones as the seed describes them, and bad input named precisely.</summary>
public class ProfileTests
{
    private static readonly string Profiles = Path.Combine(Repository.Root, "loadtest", "profiles");

    [Fact]
    public void The_seed_profile_is_the_source_documents_k6_test()
    {
        var seed = ProfileLoader.Load("seed", Profiles);
        Assert.Equal([(1, 100), (3, 100), (2, 500), (5, 500), (1, 0)], seed.Stages.Select(s => ((int)s.Duration.TotalMinutes, s.Target)));
        Assert.Equal(TimeSpan.FromMinutes(12), seed.Duration);
        Assert.Equal(["GET /api/workflows", "POST /api/workflows/{workflowId}/execute"], seed.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal(TimeSpan.FromSeconds(3), seed.ThinkTimePerIteration);
        Assert.Equal([202], seed.Requests.Single(r => r.StartsExecution).Expect);
        Assert.Equal((500, 0.01), (seed.Thresholds.LatencyP95Milliseconds, seed.Thresholds.ErrorRate));
        // Users ramp linearly within a stage, as k6's ramping VUs.
        Assert.Equal(50, seed.UsersAt(TimeSpan.FromSeconds(30)), 6);
        Assert.Equal(300, seed.UsersAt(TimeSpan.FromMinutes(5)), 6);
        // --time-scale 0.1 compresses the 12-minute profile to 72 s; users keep their pace (think times stay).
        var fast = seed.TimeScaled(0.1);
        Assert.Equal(TimeSpan.FromSeconds(72), fast.Duration);
        Assert.Equal(TimeSpan.FromSeconds(3), fast.ThinkTimePerIteration);
        Assert.Equal(500, fast.UsersAt(TimeSpan.FromSeconds(40)), 6);
    }

    [Theory]
    [InlineData("seed")] [InlineData("smoke")] [InlineData("stress")] [InlineData("spike")] [InlineData("diurnal")]
    public void Every_built_in_profile_loads(string name)
    {
        var profile = ProfileLoader.Load(name, Profiles);
        Assert.Equal(name, profile.Name);
        Assert.Contains(profile.Requests, r => r.StartsExecution);
    }

    [Fact]
    public void Stress_stops_at_the_first_breach_and_diurnal_lasts_a_day()
    {
        Assert.True(ProfileLoader.Load("stress", Profiles).StopOnBreach);
        Assert.Equal(TimeSpan.FromHours(24), ProfileLoader.Load("diurnal", Profiles).Duration);
        Assert.Equal(TimeSpan.FromSeconds(10), ProfileLoader.Load("spike", Profiles).Stages[0].Duration);
    }

    [Theory]
    [InlineData("""{"name": "x", "stages": [{"duration": "2x", "target": 5}], "steps": [{"request": "a", "method": "GET", "path": "/"}]}""", "stages[0].duration", "'2x' is not a duration")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": -1}], "steps": [{"request": "a", "method": "GET", "path": "/"}]}""", "stages[0].target", "must be 0 or more")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5, "rate": 3}], "steps": [{"request": "a", "method": "GET", "path": "/"}]}""", "stages[0].rate", "unknown key")]
    [InlineData("""{"name": "x", "stages": [], "steps": [{"request": "a", "method": "GET", "path": "/"}]}""", "stages", "at least one stage")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5}], "steps": [{"think": "1s"}]}""", "steps", "at least one request")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5}], "steps": [{"request": "a", "method": "GRAB", "path": "/"}]}""", "steps[0].method", "'GRAB'")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5}], "steps": [{"request": "a", "method": "GET", "path": "api"}]}""", "steps[0].path", "must start with /")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5}], "steps": [{"request": "a", "method": "GET", "path": "/"}], "thresholds": {"errorRate": 5}}""", "thresholds.errorRate", "a fraction")]
    [InlineData("""{"stages": [{"duration": "1m", "target": 5}], "steps": [{"request": "a", "method": "GET", "path": "/"}]}""", "name", "is required")]
    [InlineData("""{"name": "x", "stages": [{"duration": "1m", "target": 5}], "steps": [{"request": "a", "method": "GET", "path": "/"}, {"request": "a", "method": "GET", "path": "/x"}]}""", "steps", "used twice")]
    public void Bad_profiles_are_refused_naming_the_file_and_field(string json, string field, string reason)
    {
        var e = Assert.Throws<ProfileException>(() => ProfileLoader.Parse(json, "my.json"));
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"my.json: {field}: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void An_unknown_profile_name_lists_the_built_in_ones()
    {
        var e = Assert.Throws<ProfileException>(() => ProfileLoader.Load("sead", Profiles));
        Assert.Contains("seed, smoke, stress, spike, diurnal", e.Message);
    }
}

internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Infra.sln not found above the test binaries");
    }
}
