using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MongoDB.Driver;
using StackExchange.Redis;

namespace Workflows.Service.Resilience;

/// <summary>The two guarded dependencies: which failures count against them, and their settings.</summary>
public static class Guards
{
    public const string Redis = "redis";
    public const string Store = "store";
    public const string Section = "Resilience";

    /// <summary>Section <c>Resilience:Redis</c> / <c>Resilience:Store</c>, checked at start with the key named.</summary>
    public static GuardOptions Options(IConfiguration config, string dependency, int defaultTimeoutMilliseconds)
    {
        var section = $"{Section}:{(dependency == Redis ? "Redis" : "Store")}";
        var options = new GuardOptions { TimeoutMilliseconds = defaultTimeoutMilliseconds };
        config.GetSection(section).Bind(options);
        return options.Problem(section) is { } problem ? throw new InvalidOperationException(problem) : options;
    }

    /// <summary>Connection loss, timeouts and failover answers (LOADING, READONLY, MASTERDOWN): all mean "not now".</summary>
    public static bool IsTransientRedis(Exception e) => e is RedisException or TimeoutException;

    /// <summary>Outages and overload of the store, never a refused item (duplicate, conflict, too large).</summary>
    public static bool IsTransientStore(Exception e) => e switch
    {
        // BUSY, LOCKED, IOERR, FULL, CANTOPEN: the file is held, the disk failed or filled.
        SqliteException s => s.SqliteErrorCode is 5 or 6 or 10 or 13 or 14,
        MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException
            or MongoExecutionTimeoutException or MongoWaitQueueFullException => true,
        TimeoutException => true, // server selection found no primary in time
        _ => false,
    };

    /// <summary>Readiness: an open circuit is unhealthy at once; otherwise the probe goes through the guard (and may close it).</summary>
    public static async Task<HealthCheckResult> CheckAsync(DependencyGuard guard, Func<CancellationToken, Task> probe, CancellationToken ct)
    {
        if (guard.IsOpen) return HealthCheckResult.Unhealthy($"{guard.Name} circuit open");
        try
        {
            await guard.RunAsync(probe, ct);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{guard.Name} unreachable", e);
        }
    }
}

/// <summary>A readiness check through a dependency's guard.</summary>
internal sealed class GuardedHealthCheck(DependencyGuard guard, Func<CancellationToken, Task> probe) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) => Guards.CheckAsync(guard, probe, ct);
}
