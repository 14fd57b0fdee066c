using Microsoft.Extensions.Options;

namespace Workflows.Service.Secrets;

/// <summary>Section <c>Secrets</c>.</summary>
public sealed class SecretsOptions
{
    public const string Section = "Secrets";

    /// <summary>How often secret files are re-read. Reading a few small files is cheap; the delay that matters is
    /// the host refresher's (minutes), so this only needs to be short beside it.</summary>
    public int PollSeconds { get; set; } = 5;
}

/// <summary>
/// Re-reads every registered <see cref="SecretFile"/> on a timer and applies the new values (a new Redis password
/// for the next connection, a new DocumentDB client, a new set of API keys). Polling rather than inotify: files
/// written by a sidecar into a shared volume, or replaced by rename, do not always raise events.
/// </summary>
public sealed class SecretFileWatcher(IEnumerable<SecretFile> files, IOptions<SecretsOptions> options, ILogger<SecretFileWatcher> logger)
    : BackgroundService
{
    private readonly SecretFile[] _files = files.ToArray();
    private readonly HashSet<SecretFile> _unreadable = [];

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (_files.Length == 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.PollSeconds)));
        while (await timer.WaitForNextTickAsync(ct)) RefreshAll();
    }

    /// <summary>One pass over the files (the timer's tick; tests call it directly).</summary>
    public void RefreshAll()
    {
        foreach (var file in _files)
        {
            switch (file.Refresh())
            {
                case SecretFileReading.Changed:
                    _unreadable.Remove(file);
                    logger.LogInformation("{Setting} '{Path}' changed: the new secret is in use", file.SettingKey, file.Path);
                    break;
                case SecretFileReading.Unreadable when _unreadable.Add(file):
                    logger.LogWarning("{Setting} '{Path}' is missing or empty: keeping the last value read", file.SettingKey, file.Path);
                    break;
                case SecretFileReading.Unchanged:
                    _unreadable.Remove(file);
                    break;
            }
        }
    }
}
