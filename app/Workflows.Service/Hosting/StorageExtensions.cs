using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflows.Core.Ports;
using Workflows.Service.Api;
using Workflows.Service.Metrics;
using Workflows.Service.Options;
using Workflows.Service.Resilience;
using Workflows.Service.Secrets;
using Workflows.Service.Storage;
using Workflows.Service.Storage.Mongo;
using Workflows.Service.Storage.Sqlite;

namespace Workflows.Service.Hosting;

public static class StorageExtensions
{
    /// <summary>The store picked by <c>Storage:Provider</c>, its start-up schema step and its readiness check.</summary>
    public static IHostApplicationBuilder AddWorkflowStorage(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var services = builder.Services;
        if (options.Provider == StorageProvider.MongoDb && Validate(options.MongoDb) is { } problem)
            throw new InvalidOperationException(problem);

        // The store's circuit breaker: requests answer 503 at once while the store fails, readiness reports it.
        var guardOptions = Guards.Options(builder.Configuration, Guards.Store, defaultTimeoutMilliseconds: 5000);
        services.AddKeyedSingleton(Guards.Store, (sp, _) =>
            new DependencyGuard(Guards.Store, guardOptions, Guards.IsTransientStore, sp.GetRequiredService<ILogger<DependencyGuard>>()));

        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                var path = Path.Combine(Path.GetFullPath(options.DataDirectory, builder.Environment.ContentRootPath), "workflows.db");
                services.AddSingleton(new SqliteStore(path));
                AddStore<SqliteStore>(services);
                break;
            case StorageProvider.MongoDb:
                var connection = new MongoConnection(options.MongoDb); // fails fast, naming the bad key
                if (connection.Credentials is not null) services.AddSecretFile(connection.Credentials);
                services.AddSingleton(sp =>
                {
                    connection.Logger = sp.GetRequiredService<ILogger<MongoConnection>>();
                    return connection;
                });
                services.AddSingleton(sp => new MongoStore(sp.GetRequiredService<MongoConnection>(), options.MongoDb.Database));
                AddStore<MongoStore>(services);
                break;
        }

        services.AddHostedService<StoreInitializerService>();
        services.AddHealthChecks().Add(new HealthCheckRegistration("store",
            sp => new GuardedHealthCheck(sp.GetRequiredKeyedService<DependencyGuard>(Guards.Store), ct => sp.GetRequiredService<IStoreHealth>().PingAsync(ct)),
            HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary>The ports over one store: measured by the bottleneck detector, behind the store's circuit breaker.</summary>
    private static void AddStore<TStore>(IServiceCollection services)
        where TStore : class, IWorkflowStore, IExecutionStore, ILeaseStore, IStoreHealth, IStoreInitializer
    {
        services.AddSingleton<IWorkflowStore>(sp => new GuardedWorkflowStore(
            new MeasuredWorkflowStore(sp.GetRequiredService<TStore>(), sp.GetRequiredService<BottleneckDetector>()),
            sp.GetRequiredKeyedService<DependencyGuard>(Guards.Store)));
        services.AddSingleton<IExecutionStore>(sp => new GuardedExecutionStore(
            new MeasuredExecutionStore(sp.GetRequiredService<TStore>(), sp.GetRequiredService<BottleneckDetector>()),
            sp.GetRequiredKeyedService<DependencyGuard>(Guards.Store)));
        services.AddSingleton<ILeaseStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IStoreHealth>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<TStore>());
    }

    private static string? Validate(MongoOptions o) =>
        o.MinPoolSize < 0 || o.MinPoolSize > o.MaxPoolSize ? $"Storage:MongoDb:MinPoolSize ({o.MinPoolSize}) must be from 0 to MaxPoolSize ({o.MaxPoolSize})"
        : o.MaxPoolSize is < 1 or > 10_000 ? "Storage:MongoDb:MaxPoolSize must be from 1 to 10000"
        : o.ConnectTimeoutSeconds is < 1 or > 300 ? "Storage:MongoDb:ConnectTimeoutSeconds must be from 1 to 300"
        : o.SocketTimeoutSeconds is < 1 or > 3600 ? "Storage:MongoDb:SocketTimeoutSeconds must be from 1 to 3600"
        : o.ServerSelectionTimeoutSeconds is < 1 or > 300 ? "Storage:MongoDb:ServerSelectionTimeoutSeconds must be from 1 to 300"
        : o.HeartbeatSeconds is < 1 or > 300 ? "Storage:MongoDb:HeartbeatSeconds must be from 1 to 300"
        : string.IsNullOrWhiteSpace(o.Database) ? "Storage:MongoDb:Database is required"
        : null;

    /// <summary>Runs before the server and the workers start (hosted services start in order).</summary>
    private sealed class StoreInitializerService(IStoreInitializer initializer) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => initializer.InitializeAsync(ct);
        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
