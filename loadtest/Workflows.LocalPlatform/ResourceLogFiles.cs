using Microsoft.Extensions.Hosting;

namespace Workflows.LocalPlatform;

/// <summary>Every resource's output in one folder: <c>logs/&lt;resource&gt;.log</c> (the dashboard shows them too).</summary>
public sealed class ResourceLogFiles(ResourceNotificationService notifications, ResourceLoggerService loggers, string directory) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watched = new HashSet<string>();
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                // Logs are kept per resource id (a resource's name plus a suffix DCP adds).
                if (!watched.Add(update.ResourceId)) continue;
                _ = CopyAsync(update.ResourceId, update.Resource.Name, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task CopyAsync(string resourceId, string name, CancellationToken ct)
    {
        await using var file = new StreamWriter(Path.Combine(directory, name + ".log"), append: true) { AutoFlush = true };
        try
        {
            await foreach (var batch in loggers.WatchAsync(resourceId).WithCancellation(ct))
                foreach (var line in batch) await file.WriteLineAsync(line.Content);
        }
        catch (OperationCanceledException) { }
    }
}
