using Microsoft.Extensions.DependencyInjection;
using Workflows.LocalPlatform;

// The local platform as an Aspire app host: every part is a plain executable on loopback (no container engine).
// loadtest/local.sh up starts it in the background and waits for nginx; loadtest/local.sh down stops it.
LocalSettings settings;
try
{
    settings = LocalSettings.From(args);
    if (settings.TakenPort() is { } taken)
        throw new ArgumentException($"port {taken.Port} ({taken.Name}) is taken: another process listens on 127.0.0.1:{taken.Port}. Stop it, or choose other ports (see loadtest/local.sh --help)");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"local platform: {e.Message}");
    return 2;
}
foreach (var dir in new[] { settings.StateDirectory, settings.LogDirectory, settings.DataDirectory }) Directory.CreateDirectory(dir);

var builder = DistributedApplication.CreateBuilder(args);

// The queue Redis never evicts (a queued execution must not vanish); the cache Redis is an LRU cache.
var queue = builder.AddExecutable("redis-queue", "redis-server", settings.StateDirectory,
    "--port", $"{settings.QueueRedisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction");
var cache = builder.AddExecutable("redis-cache", "redis-server", settings.StateDirectory,
    "--port", $"{settings.CacheRedisPort}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru");

IResourceBuilder<ExecutableResource> Service(string name, string role, int port) =>
    ServiceEnvironment.Apply(builder.AddExecutable(name, "dotnet", settings.StateDirectory, settings.ServiceDll), settings, role, port)
        .WaitFor(queue).WaitFor(cache);

var apis = Enumerable.Range(0, settings.Apis).Select(i => Service($"api-{i + 1}", "api", settings.ApiBasePort + i)).ToList();
var workerCount = settings.Autoscale ? settings.MaxWorkers : settings.Workers;
for (var i = 0; i < workerCount; i++)
{
    var worker = Service($"worker-{i + 1}", "worker", settings.WorkerBasePort + i);
    // Autoscaling starts the first ones; the others wait for the autoscaler to start them.
    if (i >= settings.Workers) worker.WithExplicitStart();
}

var nginxConf = NginxConfig.Write(settings);
var nginx = builder.AddExecutable("nginx", "nginx", settings.StateDirectory, "-p", Path.Combine(settings.StateDirectory, "nginx"), "-c", nginxConf, "-g", "daemon off;");
foreach (var api in apis) nginx.WaitFor(api);

builder.Services.AddHostedService(sp => new ResourceLogFiles(sp.GetRequiredService<ResourceNotificationService>(), sp.GetRequiredService<ResourceLoggerService>(), settings.LogDirectory));
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<SignalsListener>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SignalsListener>());
if (settings.Autoscale) builder.Services.AddHostedService<LocalAutoscaler>();

await builder.Build().RunAsync();
return 0;
