using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Workflows.Service.Options;

namespace Workflows.Service.Api;

/// <summary>
/// Per-client rate limit (section <c>Api:RateLimit</c>): a token bucket per API key (anonymous requests share one
/// per remote address), so one client cannot starve the others. A refused request gets 429 with Retry-After and a
/// problem body. Health endpoints are never limited (load balancers and kubelets poll them). The limit is per process:
/// with N API instances a key may send N times the rate in total.
/// </summary>
public static class PerKeyRateLimit
{
    public static IServiceCollection AddPerKeyRateLimit(this IServiceCollection services, RateLimitOptions options)
    {
        if (!options.Enabled) return services;
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (context.Request.Path.StartsWithSegments("/api/health")) return RateLimitPartition.GetNoLimiter("health");
                var key = context.User.Identity is { IsAuthenticated: true, Name: { } name }
                    ? "key:" + name
                    : "address:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = Math.Max(1, options.PermitsPerSecond / 10),
                    ReplenishmentPeriod = TimeSpan.FromMilliseconds(100), // smooth refill, not a burst each second
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (rejected, ct) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                var problems = rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = 429,
                        Title = "Too many requests",
                        Detail = $"This API key sent more than {options.PermitsPerSecond} requests per second (burst {options.Burst}); retry after {retryAfter} s.",
                    },
                });
            };
        });
        return services;
    }
}
