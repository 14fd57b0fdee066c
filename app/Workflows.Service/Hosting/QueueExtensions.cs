using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;
using Workflows.Service.Api;
using Workflows.Service.Options;
using Workflows.Service.Queue;
using Workflows.Service.Queue.InProcess;
using Workflows.Service.Queue.Redis;
using Workflows.Service.Resilience;
using Workflows.Service.Secrets;

namespace Workflows.Service.Hosting;

public static class QueueExtensions
{
    /// <summary>
    /// The role (<c>Workflows:Role</c>) and execution mode (<c>Workflows:ExecutionMode</c>): the queue both roles
    /// share, the dispatcher for the API role, and the worker for the worker role.
    /// </summary>
    public static IHostApplicationBuilder AddExecutionQueue(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;
        services.AddOptions<ServiceOptions>().Bind(config.GetSection(ServiceOptions.Section))
            .Validate(o => o.ShutdownGraceSeconds is >= 0 and <= 3600, "Workflows:ShutdownGraceSeconds must be from 0 to 3600")
            .ValidateOnStart();
        services.AddOptions<QueueOptions>().Bind(config.GetSection(QueueOptions.Section))
            .Validate(o => o.Concurrency is >= 1 and <= 1024, "Queue:Concurrency must be from 1 to 1024")
            .Validate(o => o.Prefetch is >= 0 and <= 1024, "Queue:Prefetch must be from 0 to 1024")
            .Validate(o => o.MaxAttempts is >= 1 and <= 100, "Queue:MaxAttempts must be from 1 to 100")
            .Validate(o => o.MaxBacklog >= 1, "Queue:MaxBacklog must be at least 1")
            .Validate(o => o.BacklogReadMilliseconds is >= 0 and <= 10_000, "Queue:BacklogReadMilliseconds must be from 0 to 10000")
            .Validate(o => o.ClaimIdleSeconds is >= 3 and <= 86_400, "Queue:ClaimIdleSeconds must be from 3 to 86400")
            .Validate(o => o.PollIntervalMilliseconds is >= 10 and <= 60_000, "Queue:PollIntervalMilliseconds must be from 10 to 60000")
            .Validate(o => o.InProcessCapacity >= 1, "Queue:InProcessCapacity must be at least 1")
            .Validate(o => o.RetryAfterSeconds is >= 1 and <= 3600, "Queue:RetryAfterSeconds must be from 1 to 3600")
            .ValidateOnStart();

        var service = config.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        var redis = config.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var mode = service.ExecutionMode ?? (string.IsNullOrWhiteSpace(redis.ConnectionString) ? ExecutionMode.InProcess : ExecutionMode.Queue);
        if (mode == ExecutionMode.InProcess && service.Role != ServiceRole.All)
            throw new InvalidOperationException(
                $"Workflows:Role '{service.Role.ToString().ToLowerInvariant()}' needs Workflows:ExecutionMode 'queue' (the in-process queue cannot reach another process).");
        if (mode == ExecutionMode.Queue && string.IsNullOrWhiteSpace(redis.ConnectionString))
            throw new InvalidOperationException("Workflows:ExecutionMode 'queue' needs Redis:ConnectionString.");

        // Expressions and node code run synchronously on thread-pool threads, an expression up to its time limit: with
        // the pool's default minimum (one thread per core), Concurrency such executions starve the async I/O of the
        // others (store writes took 5 s in the hostile-input drill). Keep a thread per slot plus one per core ready.
        if (service.RunsWorker)
        {
            var concurrency = config.GetSection(QueueOptions.Section).Get<QueueOptions>()?.Concurrency ?? new QueueOptions().Concurrency;
            ThreadPool.GetMinThreads(out var workerThreads, out var ioThreads);
            var wanted = Math.Clamp(concurrency, 1, 1024) + Environment.ProcessorCount;
            if (wanted > workerThreads) ThreadPool.SetMinThreads(wanted, Math.Max(ioThreads, wanted));
        }

        // The host waits this long for workers to drain; it must outlast the grace period.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(service.ShutdownGraceSeconds + 10));
        services.AddSingleton(WorkerIdentity.Create());
        services.AddSingleton(sp => new DispatchOptions
        {
            MaxBacklog = sp.GetRequiredService<IOptions<QueueOptions>>().Value.MaxBacklog,
            RetryAfter = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<QueueOptions>>().Value.RetryAfterSeconds),
        });
        services.AddSingleton<ExecutionDispatcher>();
        services.AddSingleton(new ExecutionModeInfo(mode, service.Role));

        if (mode == ExecutionMode.InProcess)
        {
            services.AddSingleton(sp => new InProcessQueue(sp.GetRequiredService<IOptions<QueueOptions>>().Value.InProcessCapacity, sp.GetRequiredService<RunningExecutions>()));
            services.AddSingleton<IExecutionQueue>(sp => sp.GetRequiredService<InProcessQueue>());
            services.AddSingleton<ICancellationBroadcaster>(sp => sp.GetRequiredService<InProcessQueue>());
            services.AddHostedService<InProcessWorker>();
            return builder;
        }

        var redisConfig = RedisConnection.Configure(redis, RedisOptions.Section, out var passwordFile);
        if (passwordFile is not null) services.AddSecretFile(passwordFile);
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisConfig));
        services.AddHostedService<RedisWarmup>();
        // The queue Redis's circuit breaker: execute answers 503 at once while Redis fails, readiness reports it.
        var guardOptions = Guards.Options(config, Guards.Redis, defaultTimeoutMilliseconds: 1000);
        services.AddKeyedSingleton(Guards.Redis, (sp, _) =>
            new DependencyGuard(Guards.Redis, guardOptions, Guards.IsTransientRedis, sp.GetRequiredService<ILogger<DependencyGuard>>()));
        services.AddSingleton<RedisStreamQueue>();
        services.AddSingleton(sp => new GuardedExecutionQueue(sp.GetRequiredService<RedisStreamQueue>(), sp.GetRequiredService<RedisStreamQueue>(),
            sp.GetRequiredKeyedService<DependencyGuard>(Guards.Redis)));
        services.AddSingleton<IExecutionQueue>(sp => sp.GetRequiredService<GuardedExecutionQueue>());
        services.AddSingleton<ICancellationBroadcaster>(sp => sp.GetRequiredService<GuardedExecutionQueue>());
        if (service.RunsWorker) services.AddHostedService<RedisStreamWorker>();
        services.AddExecutionReconciler(config);
        services.AddHealthChecks().Add(new HealthCheckRegistration("redis",
            sp => new GuardedHealthCheck(sp.GetRequiredKeyedService<DependencyGuard>(Guards.Redis), _ => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().PingAsync()),
            HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], TimeSpan.FromSeconds(5)));
        return builder;
    }
}

/// <summary>The reconciler (section <c>Reconciler</c>), in every queue-mode process; a store lease elects one.</summary>
internal static class ReconcilerRegistration
{
    public static IServiceCollection AddExecutionReconciler(this IServiceCollection services, IConfiguration config)
    {
        var options = config.GetSection(ReconcilerOptions.Section).Get<ReconcilerOptions>() ?? new ReconcilerOptions();
        if (options.Problem() is { } problem) throw new InvalidOperationException(problem);
        services.AddOptions<ReconcilerOptions>().Bind(config.GetSection(ReconcilerOptions.Section));
        services.AddSingleton<ExecutionReconciler>();
        if (options.Enabled) services.AddHostedService(sp => sp.GetRequiredService<ExecutionReconciler>());
        return services;
    }
}

/// <summary>Builds the StackExchange.Redis configuration from section <c>Redis</c>.</summary>
public static class RedisConnection
{
    public static ConfigurationOptions Configure(RedisOptions options) => Configure(options, "Redis", out _);

    /// <summary>
    /// As <see cref="Configure(RedisOptions)"/>, and returns the password file (when one is set) wired to the live
    /// options: StackExchange.Redis reads <see cref="ConfigurationOptions.Password"/> at each (re)connect, so after
    /// a rotation new connections use the new token while open ones, already authenticated, carry on (ElastiCache's
    /// ROTATE strategy accepts both tokens). Register the file with <c>AddSecretFile</c> so it is re-read.
    /// </summary>
    public static ConfigurationOptions Configure(RedisOptions options, string section, out SecretFile? passwordFile)
    {
        var config = ConfigurationOptions.Parse(options.ConnectionString!);
        config.AbortOnConnectFail = false; // start even while Redis is away; readiness reports it
        // While disconnected, fail commands at once instead of holding them for the 5 s timeout: callers (the
        // circuit breaker, the worker's retry loop) decide what to do, and no request hangs on a dead connection.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        // Reconnect every second rather than with the default exponential backoff: Redis back means queue back.
        config.ReconnectRetryPolicy = new LinearRetry(1000);
        // Replies are read and completed on .NET's thread pool instead of the library's dedicated threads: on a 2-core
        // node those threads only competed with the pool for the same cores (POST execute: +2..27 % req/s in 5 paired
        // rounds, bench notes in the README's performance section).
        config.SocketManager = SocketManager.ThreadPool;
        passwordFile = null;
        if (!string.IsNullOrWhiteSpace(options.PasswordFile))
        {
            passwordFile = new SecretFile(options.PasswordFile, $"{section}:PasswordFile");
            config.Password = passwordFile.Value;
            passwordFile.Changed += password => config.Password = password;
        }
        return config;
    }
}

/// <summary>
/// Connects to Redis before the server takes traffic. Left to the first request, the synchronous connect would
/// block one thread-pool thread per concurrent request until the pool grows (seconds of latency under load).
/// </summary>
internal sealed class RedisWarmup(IConnectionMultiplexer redis, ILogger<RedisWarmup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Redis is not reachable at start-up; readiness reports it until it is");
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>What this process is, for logs and the start-up banner.</summary>
public sealed record ExecutionModeInfo(ExecutionMode Mode, ServiceRole Role);
