using System.Diagnostics;
using System.Text.Json.Nodes;
using Spectre.Console;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>The pinned artillery in loadtest/artillery: installed on first use, run with a progress bar, stopped at a stress breach.</summary>
public static class Artillery
{
    public static async Task<string> EnsureInstalledAsync(string root)
    {
        var dir = Path.Combine(root, "loadtest", "artillery");
        var bin = Path.Combine(dir, "node_modules", ".bin", "artillery");
        var marker = Path.Combine(dir, "node_modules", ".package-lock.json");
        if (File.Exists(bin) && File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(Path.Combine(dir, "package-lock.json"))) return bin;
        AnsiConsole.MarkupLine("[grey]installing the pinned artillery (npm ci in loadtest/artillery; the first time takes a couple of minutes)…[/]");
        var info = new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        // Artillery brings a browser engine this test does not use; its download cannot reach the internet anyway.
        info.Environment["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";
        using var npm = Process.Start(info)!;
        var errors = npm.StandardError.ReadToEndAsync();
        await npm.StandardOutput.ReadToEndAsync();
        await npm.WaitForExitAsync();
        if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci in {dir} failed: {await errors}");
        File.SetLastWriteTimeUtc(marker, DateTime.UtcNow);
        return bin;
    }

    /// <summary>Runs artillery until the profile ends (or, with stopOnBreach, until a 10 s window breaks a threshold).</summary>
    public static async Task<(int Exit, double? StoppedAt)> RunAsync(string artillery, string config, string report, string live, string logFile, LoadProfile profile)
    {
        var info = new ProcessStartInfo(artillery, ["run", "--output", report, config])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(config)!,
        };
        info.Environment["LIVE_STATS"] = live;
        info.Environment["ARTILLERY_DISABLE_TELEMETRY"] = "true";
        info.Environment["NO_COLOR"] = "1";
        await using var log = new StreamWriter(logFile) { AutoFlush = true };
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var stoppedAt = await LiveMonitor.WatchAsync(profile, live, "starting artillery", () => process.HasExited, async () =>
        {
            using (var stop = Process.Start("kill", ["-INT", process.Id.ToString()])) await stop.WaitForExitAsync();
            if (!process.WaitForExit(15_000)) process.Kill(entireProcessTree: true);
        });
        await process.WaitForExitAsync();
        return (process.ExitCode, stoppedAt);
    }
}
