using Microsoft.Extensions.Caching.Hybrid;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Service.Caching;
using Workflows.Service.Options;
using Workflows.Service.Secrets;

namespace Workflows.Service.Hosting;

public static class CacheExtensions
{
    /// <summary>
    /// The two-level workflow cache around the store registered before it: L1 (memory, section <c>Cache</c>) always,
    /// L2 (Redis) when <c>Cache:RedisConnectionString</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflowCache(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(CacheOptions.Section).Get<CacheOptions>() ?? new CacheOptions();
        if (options.LocalEntries < 1 || options.LocalSeconds < 1 || options.DistributedSeconds < options.LocalSeconds)
            throw new InvalidOperationException("Cache:LocalEntries and Cache:LocalSeconds must be positive and Cache:DistributedSeconds at least Cache:LocalSeconds.");
        var services = builder.Services;

        // L1: the memory cache HybridCache uses, limited to LocalEntries entries (see EntryCountedMemoryCache).
        services.AddSingleton<Microsoft.Extensions.Caching.Memory.IMemoryCache>(new EntryCountedMemoryCache(options.LocalEntries));
        services.AddHybridCache(o =>
        {
            o.DefaultEntryOptions = new HybridCacheEntryOptions
            {
                LocalCacheExpiration = TimeSpan.FromSeconds(options.LocalSeconds),
                Expiration = TimeSpan.FromSeconds(options.DistributedSeconds), // every L2 entry has a TTL
            };
            o.MaximumPayloadBytes = 1024 * 1024;
        })
        .AddSerializer<Workflow?, WorkflowJsonSerializer<Workflow?>>()
        .AddSerializer<Page<Workflow>, WorkflowJsonSerializer<Page<Workflow>>>()
        .AddSerializer<RenderedPage, RenderedPageSerializer>();
        services.AddSingleton<RenderedListCache>();

        if (!string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            var redis = RedisConnection.Configure(new RedisOptions { ConnectionString = options.RedisConnectionString, PasswordFile = options.PasswordFile },
                CacheOptions.Section, out var passwordFile);
            if (passwordFile is not null) services.AddSecretFile(passwordFile);
            services.AddStackExchangeRedisCache(o =>
            {
                o.ConfigurationOptions = redis;
                o.InstanceName = "workflows:cache:";
            });
        }

        // Decorate whatever IWorkflowStore is registered (the measured store) with the cache.
        var registration = services.Last(d => d.ServiceType == typeof(IWorkflowStore));
        services.Remove(registration);
        services.AddSingleton<IWorkflowStore>(sp => new CachedWorkflowStore(
            (IWorkflowStore)registration.ImplementationFactory!(sp),
            sp.GetRequiredService<HybridCache>(),
            sp.GetRequiredService<Metrics.BottleneckDetector>(),
            sp.GetRequiredService<Metrics.SignalRecorder>(),
            sp.GetRequiredService<ILogger<CachedWorkflowStore>>()));
        return builder;
    }
}
