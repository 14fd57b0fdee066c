using System.Diagnostics;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>The README's main command as a process: synthesizes, prints the tables, refuses bad settings cleanly.</summary>
public class MainCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Infra.App.dll"), .. args])
        {
            WorkingDirectory = Environments.Paths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        info.Environment.Remove("CDK_OUTDIR");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Synthesizes_every_environment_and_prints_their_tables()
    {
        var outDir = Directory.CreateTempSubdirectory("cdk-out-").FullName;
        var (code, stdout, stderr) = await RunAsync("--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("== dev (eu-west-1)", stdout);
        Assert.Contains("== prod (eu-west-1, production)", stdout);
        Assert.Contains("workflows-prod-web", stdout);
        Assert.Contains("ASGAverageCPUUtilization", stdout);
        Assert.Contains("ALBRequestCountPerTarget", stdout);
        Assert.Contains("guardrails passed", stdout);
        foreach (var stack in new[] { "dev-network", "dev-web", "prod-data", "prod-edge", "prod-observability" })
            Assert.True(File.Exists(Path.Combine(outDir, stack + ".template.json")), stack);
        Assert.DoesNotContain("Warning", stderr);
        Assert.DoesNotContain("\"missing\"", File.ReadAllText(Path.Combine(outDir, "manifest.json"))); // no context lookups
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public async Task The_cdk_cli_synthesizes_the_environment_named_by_context()
    {
        var cli = Path.Combine(Environments.Paths.RepositoryRoot, "node_modules", ".bin", "cdk");
        Assert.True(File.Exists(cli), "the CDK CLI is not installed: run npm ci (test.sh does)");
        var outDir = Directory.CreateTempSubdirectory("cdk-cli-").FullName;
        var info = new ProcessStartInfo(cli, ["synth", "-c", "env=dev", "--quiet", "--no-notices", "--output", outDir])
        {
            WorkingDirectory = Environments.Paths.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        info.Environment["CDK_DISABLE_CLI_TELEMETRY"] = "true";
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "dev-web.template.json")));
        Assert.False(File.Exists(Path.Combine(outDir, "prod-web.template.json")));
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public async Task Env_limits_it_to_one_environment()
    {
        var outDir = Directory.CreateTempSubdirectory("cdk-out-").FullName;
        var (code, stdout, stderr) = await RunAsync("--env", "prod", "--out", outDir);
        Assert.True(code == 0, stderr);
        Assert.Contains("== prod", stdout);
        Assert.DoesNotContain("== dev", stdout);
        Assert.False(File.Exists(Path.Combine(outDir, "dev-web.template.json")));
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public async Task Bad_settings_exit_2_naming_file_and_key_without_a_stack_trace()
    {
        var dir = Directory.CreateTempSubdirectory("stacks-").FullName;
        File.WriteAllText(Path.Combine(dir, "dev.yaml"),
            File.ReadAllText(Environments.SettingsFile("dev")).Replace("cpuTargetPercent: 70", "cpuTargetPercent: 170"));
        var (code, stdout, stderr) = await RunAsync("--stacks", dir);

        Assert.Equal(2, code);
        Assert.Contains($"{Path.Combine(dir, "dev.yaml")}: web.cpuTargetPercent: 170 is outside 1–100", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("==", stdout);
        Directory.Delete(dir, recursive: true);

        var (unknownCode, _, unknownErr) = await RunAsync("--env", "staging");
        Assert.Equal(2, unknownCode);
        Assert.Contains("no such environment; found: dev, prod", unknownErr);
    }
}
