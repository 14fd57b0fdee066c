namespace Workflows.LocalPlatform;

/// <summary>The service's settings for one role on the local platform, as environment variables (as a container gets them).</summary>
public static class ServiceEnvironment
{
    public static IResourceBuilder<ExecutableResource> Apply(IResourceBuilder<ExecutableResource> resource, LocalSettings s, string role, int port)
    {
        // Plain strings: an interpolated string here would bind to Aspire's reference expressions.
        string url = $"http://127.0.0.1:{port}", queue = $"127.0.0.1:{s.QueueRedisPort},abortConnect=false",
            cache = $"127.0.0.1:{s.CacheRedisPort},abortConnect=false", signals = $"tcp://127.0.0.1:{s.SignalsPort}";
        resource
            .WithEnvironment("ASPNETCORE_URLS", url)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Production")
            .WithEnvironment("ASPNETCORE_CONTENTROOT", s.StateDirectory)
            .WithEnvironment("Logging__Console__FormatterName", "simple")
            .WithEnvironment("Logging__LogLevel__Default", "Information")
            .WithEnvironment("Logging__LogLevel__Microsoft.AspNetCore", "Warning")
            .WithEnvironment("Workflows__Role", role)
            .WithEnvironment("Workflows__ExecutionMode", "queue")
            .WithEnvironment("Redis__ConnectionString", queue)
            .WithEnvironment("Cache__RedisConnectionString", cache)
            .WithEnvironment("Auth__ApiKeys__0__Name", "local")
            .WithEnvironment("Auth__ApiKeys__0__Sha256", s.ApiKeySha256)
            .WithEnvironment("Auth__ApiKeys__0__Scopes__0", "read")
            .WithEnvironment("Auth__ApiKeys__0__Scopes__1", "write")
            // The signals go to the platform's listener as EMF lines, every 10 s (CloudWatch's are per 60 s).
            .WithEnvironment("Metrics__Sink", "emf")
            .WithEnvironment("Metrics__EmfTarget", signals)
            .WithEnvironment("Metrics__Environment", "local")
            .WithEnvironment("Metrics__PublishIntervalSeconds", "10");
        if (s.Store == "mongodb")
            resource.WithEnvironment("Storage__Provider", "mongodb").WithEnvironment("Storage__MongoDb__ConnectionString", s.MongoUri!);
        else
            resource.WithEnvironment("Storage__DataDirectory", s.DataDirectory);
        return resource.WithHttpEndpoint(port: port, name: "http", isProxied: false).WithHttpHealthCheck("/api/health");
    }
}
