using System.Diagnostics;
using System.Text.Json.Nodes;
using Infra.Rehearsal.Policies;
using Infra.Stacks.Settings;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// The rehearsal reads its policies from what we synthesize (not from a second copy of the settings), refuses what it
/// does not model, and runs as the main program's subcommand.
/// </summary>
public class RehearsalTests
{
    private static Dictionary<string, JsonObject> Templates(SynthesizedEnvironment e) =>
        e.Templates.ToDictionary(t => t.Stack.Replace("workflows-", ""), t => t.Template["Resources"]!.AsObject());

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Reads_every_scaling_policy_from_the_synthesized_templates(string env)
    {
        var e = Environments.Get(env);
        var s = e.Settings;
        var policies = TemplatePolicyReader.FromTemplates(env, Templates(e));

        var web = policies.Web!;
        Assert.Equal((s.Web.MinCapacity, s.Web.MaxCapacity, s.Web.DesiredCapacity, s.Web.InstanceType), (web.MinCapacity, web.MaxCapacity, web.DesiredCapacity, web.InstanceType));
        Assert.Equal(s.Web.HealthCheckGraceSeconds, web.HealthCheckGraceSeconds);
        Assert.Equal(s.Web.CpuTargetPercent, web.TargetTracking.Single(t => t.Metric == "ASGAverageCPUUtilization").TargetValue);
        Assert.Equal(s.Web.RequestsPerTarget, web.TargetTracking.Single(t => t.Metric == "ALBRequestCountPerTarget").TargetValue);
        var step = Assert.Single(web.StepScaling);
        Assert.Equal(("ResponseTime", "p95", 500.0, 3), (step.Alarm.Metric, step.Alarm.Statistic, step.Alarm.Threshold, step.Alarm.EvaluationPeriods));

        var workers = policies.Workers;
        Assert.Equal((s.Workers.MinReplicas, s.Workers.MaxReplicas), (workers.Hpa.MinReplicas!.Value, workers.Hpa.MaxReplicas));
        Assert.Equal(s.Workers.Concurrency, workers.Concurrency);
        // The service container's limit, and requests summed over the pod (the secrets sidecar asks for a little).
        Assert.Equal((long)NodeCapacity.Millicores(s.Workers.Limits.Cpu)!.Value, workers.Pod.CpuLimitMilli);
        Assert.InRange(workers.Pod.CpuRequestMilli, (long)NodeCapacity.Millicores(s.Workers.Requests.Cpu)!.Value, (long)NodeCapacity.Millicores(s.Workers.Requests.Cpu)!.Value + 50);
        Assert.Equal(s.Workers.CpuTargetPercent, workers.Hpa.Metrics.Single(m => m.Type == "Resource").Resource!.Target.AverageUtilization);
        var external = workers.Hpa.Metrics.Single(m => m.Type == "External").External!;
        Assert.Equal(("s1-aws-cloudwatch", "AverageValue", s.Workers.QueueLengthPerPod.ToString()), (external.Metric.Name, external.Target.Type, external.Target.AverageValue));
        Assert.Equal("QueueLength", workers.ExternalMetrics["s1-aws-cloudwatch"].Signal);
        Assert.False(workers.ExternalMetrics["s1-aws-cloudwatch"].IgnoreNullValues);
        Assert.Equal(s.Workers.ScaleDown.StabilizationSeconds, workers.Hpa.Behavior!.ScaleDown!.StabilizationWindowSeconds);
        Assert.Equal((s.Workers.NodeInstanceType, s.Workers.NodeMinSize, s.Workers.NodeMaxSize), (workers.Nodes.InstanceType, workers.Nodes.MinSize, workers.Nodes.MaxSize));
        Assert.Equal("least-waste", workers.ClusterAutoscaler.Expander);
    }

    [Theory]
    [InlineData("\"type\":\"cpu\"", "\"type\":\"prometheus\"", "KEDA trigger type 'prometheus'")]
    [InlineData("\"metricName\":\"QueueLength\"", "\"metricName\":\"QueueDepth\"", "metric N8nFrontend/QueueDepth")]
    [InlineData("\"pollingInterval\":30", "\"pollingInterval\":30,\"fallback\":{\"failureThreshold\":3,\"replicas\":6}", "ScaledObject field spec.fallback")]
    public void A_policy_the_rehearsal_does_not_model_is_an_error_that_names_it(string from, string to, string named)
    {
        var templates = Templates(Environments.Get("prod"));
        var workers = templates["prod-workers"];
        // The manifests are JSON strings inside the template: their quotes are escaped there.
        var relaxed = new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var text = workers.ToJsonString(relaxed);
        var broken = JsonNode.Parse(text.Replace(from.Replace("\"", "\\\""), to.Replace("\"", "\\\"")))!.AsObject();
        Assert.NotEqual(text, broken.ToJsonString(relaxed));
        templates["prod-workers"] = broken;
        var e = Assert.Throws<PolicyNotUnderstoodException>(() => TemplatePolicyReader.FromTemplates("prod", templates));
        Assert.Contains(named, e.Message);
        Assert.Contains("workflows/workflow-worker", e.Message);
    }

    [Fact]
    public void A_scaling_policy_outside_the_web_group_is_refused()
    {
        var templates = Templates(Environments.Get("dev"));
        templates["dev-data"]["Surprise"] = JsonNode.Parse("""{"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {}}""");
        var e = Assert.Throws<PolicyNotUnderstoodException>(() => TemplatePolicyReader.FromTemplates("dev", templates));
        Assert.Contains("dev-data/Surprise", e.Message);
    }

    private static async Task<(int Code, string Out, string Err)> Rehearse(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Infra.App.dll"), "rehearse", .. args])
        {
            WorkingDirectory = Environments.Paths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        info.Environment["COLUMNS"] = "200";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Rehearse_runs_the_seed_on_prod_and_writes_the_table_plots_csv_and_json()
    {
        var outDir = Directory.CreateTempSubdirectory("rehearsal-").FullName;
        var (code, stdout, stderr) = await Rehearse("--env", "prod", "--profile", "seed", "--out", outDir);

        Assert.True(code is 0 or 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("verdict:", stdout);
        Assert.Contains("web (EC2 Auto Scaling)", stdout);
        Assert.Contains("workers (KEDA → HPA)", stdout);
        foreach (var file in new[] { "timeseries.csv", "rehearsal.json", "web.png", "workers.png", "queue.png", "latency.png", "nodes.png" })
            Assert.True(new FileInfo(Path.Combine(outDir, file)) is { Exists: true, Length: > 1000 }, file);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "rehearsal.json")))!;
        Assert.Equal(code == 0, json["passed"]!.GetValue<bool>());
        Assert.Equal(720, json["durationSeconds"]!.GetValue<double>());
        Assert.True(File.ReadLines(Path.Combine(outDir, "timeseries.csv")).Count() > 700);
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public async Task Bad_input_exits_2_naming_what_was_wrong()
    {
        var profile = Path.Combine(Directory.CreateTempSubdirectory("profile-").FullName, "bad.json");
        File.WriteAllText(profile, """{"name": "bad", "stages": [{"duration": "soon", "target": 5}], "steps": [{"request": "listWorkflows", "method": "GET", "path": "/api/workflows"}]}""");
        var (code, stdout, _) = await Rehearse("--env", "prod", "--profile", profile, "--no-plots");
        Assert.Equal(2, code);
        Assert.Contains($"{profile}: stages[0].duration: 'soon' is not a duration", stdout.Replace("\n", ""));

        var (setCode, setOut, _) = await Rehearse("--env", "prod", "--set", "workers.maximum=40", "--no-plots");
        Assert.Equal(2, setCode);
        Assert.Contains("--set workers.maximum: unknown key", setOut.Replace("\n", ""));
    }

    [Fact]
    public async Task Hpa_decide_answers_a_case_as_the_kubernetes_controller()
    {
        var input = Path.Combine(Directory.CreateTempSubdirectory("hpa-").FullName, "case.json");
        File.WriteAllText(input, """
            [{"now": "2026-01-01T00:10:00Z",
              "hpa": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                      "spec": {"minReplicas": 1, "maxReplicas": 10, "behavior": null,
                               "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 30}}}]},
                      "status": {"currentReplicas": 3, "desiredReplicas": 3}},
              "scale": {"specReplicas": 3, "statusReplicas": 3},
              "pods": [{"name": "p0", "phase": "Running", "ready": true, "startTime": "2026-01-01T00:00:00Z", "readyTransitionTime": "2026-01-01T00:00:00Z", "requests": {"cpu": "1000m"}, "usage": {"cpu": "300m"}},
                       {"name": "p1", "phase": "Running", "ready": true, "startTime": "2026-01-01T00:00:00Z", "readyTransitionTime": "2026-01-01T00:00:00Z", "requests": {"cpu": "1000m"}, "usage": {"cpu": "500m"}},
                       {"name": "p2", "phase": "Running", "ready": true, "startTime": "2026-01-01T00:00:00Z", "readyTransitionTime": "2026-01-01T00:00:00Z", "requests": {"cpu": "1000m"}, "usage": {"cpu": "700m"}}]}]
            """);
        var (code, stdout, stderr) = await Rehearse("hpa-decide", "--input", input);
        Assert.True(code == 0, stderr);
        var result = JsonNode.Parse(stdout)!.AsArray().Single()!;
        Assert.Equal(5, result["desiredReplicas"]!.GetValue<int>()); // TestScaleUp: 50 % of request against a 30 % target, 3 → 5
        Assert.Equal(50, result["metrics"]![0]!["utilization"]!.GetValue<int>());

        File.WriteAllText(input, """{"now": "yesterday"}""");
        var (badCode, _, badErr) = await Rehearse("hpa-decide", "--input", input);
        Assert.Equal(2, badCode);
        Assert.Contains("$.now", badErr);
    }
}
