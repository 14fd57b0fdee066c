using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Driver;
using Workflows.Core.Ports;
using Workflows.Service.Api;
using Workflows.Service.Metrics;
using Workflows.Service.Options;
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

        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                var path = Path.Combine(Path.GetFullPath(options.DataDirectory, builder.Environment.ContentRootPath), "workflows.db");
                services.AddSingleton(new SqliteStore(path));
                services.AddSingleton<IWorkflowStore>(sp => new MeasuredWorkflowStore(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<BottleneckDetector>()));
                services.AddSingleton<IExecutionStore>(sp => new MeasuredExecutionStore(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<BottleneckDetector>()));
                services.AddSingleton<IStoreHealth>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<SqliteStore>());
                break;
            case StorageProvider.MongoDb:
                var settings = MongoClientSettingsFactory.Create(options.MongoDb); // fails fast, naming the bad key
                services.AddSingleton<IMongoClient>(new MongoClient(settings));
                services.AddSingleton(sp => new MongoStore(sp.GetRequiredService<IMongoClient>(), options.MongoDb.Database));
                services.AddSingleton<IWorkflowStore>(sp => new MeasuredWorkflowStore(sp.GetRequiredService<MongoStore>(), sp.GetRequiredService<BottleneckDetector>()));
                services.AddSingleton<IExecutionStore>(sp => new MeasuredExecutionStore(sp.GetRequiredService<MongoStore>(), sp.GetRequiredService<BottleneckDetector>()));
                services.AddSingleton<IStoreHealth>(sp => sp.GetRequiredService<MongoStore>());
                services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<MongoStore>());
                break;
        }

        services.AddHostedService<StoreInitializerService>();
        services.AddHealthChecks().Add(new HealthCheckRegistration("store",
            sp => new DelegateHealthCheck(ct => sp.GetRequiredService<IStoreHealth>().PingAsync(ct)), HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag],
            TimeSpan.FromSeconds(5)));
        return builder;
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

/// <summary>A health check that is healthy when the delegate completes.</summary>
internal sealed class DelegateHealthCheck(Func<CancellationToken, Task> probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await probe(ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            // The health-check publisher logs the exception; the anonymous endpoint shows only the status.
            return HealthCheckResult.Unhealthy(context.Registration.Name + " unreachable", e);
        }
    }
}
