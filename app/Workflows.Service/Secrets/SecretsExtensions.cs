namespace Workflows.Service.Secrets;

public static class SecretsExtensions
{
    /// <summary>Registers a secret file for re-reading while the process runs (and the watcher, once).</summary>
    public static IServiceCollection AddSecretFile(this IServiceCollection services, SecretFile file)
    {
        services.AddSingleton(file);
        if (services.Any(d => d.ServiceType == typeof(SecretFileWatcher))) return services; // the first file set up the rest
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section)
            .Validate(o => o.PollSeconds is >= 1 and <= 3600, "Secrets:PollSeconds must be between 1 and 3600");
        services.AddSingleton<SecretFileWatcher>();
        services.AddHostedService<SecretFileWatcherHost>();
        return services;
    }

    // The watcher is a singleton that tests can drive; the host runs the same instance.
    private sealed class SecretFileWatcherHost(SecretFileWatcher watcher) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => watcher.StartAsync(ct);
        public Task StopAsync(CancellationToken ct) => watcher.StopAsync(ct);
    }
}
