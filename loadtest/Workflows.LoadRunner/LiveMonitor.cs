using Spectre.Console;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>
/// Watches a running engine's live statistics: a progress bar with users, requests/s, p95 and errors of the last
/// 10 seconds, and (stress profiles) the stop at the first window that breaches a threshold. Returns that second.
/// </summary>
public static class LiveMonitor
{
    public static async Task<double?> WatchAsync(LoadProfile profile, string live, string starting, Func<bool> finished, Func<Task> stop)
    {
        double? stoppedAt = null;
        var total = profile.Duration.TotalSeconds;
        await AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(starting, maxValue: total);
                while (!finished())
                {
                    await Task.Delay(1000);
                    var seconds = LiveResults.ReadTail(live, 10);
                    if (seconds.Count == 0) continue;
                    var last = seconds[^1];
                    task.Value = Math.Min(total, last.T);
                    var window = LiveResults.Window(seconds);
                    task.Description = $"{last.Users,5} users · {window.PerSecond,6:0} req/s · p95 {window.P95,6:0.0} ms · errors {window.ErrorRate * 100,5:0.00} %";
                    if (profile.StopOnBreach && seconds.Count >= 10 && window.Requests > 50
                        && (window.P95 > profile.Thresholds.LatencyP95Milliseconds || window.ErrorRate >= profile.Thresholds.ErrorRate))
                    {
                        stoppedAt = last.T;
                        task.Description = $"breach at {last.Users} users: stopping";
                        await stop();
                        break;
                    }
                }
                task.Value = task.MaxValue;
            });
        return stoppedAt;
    }
}
