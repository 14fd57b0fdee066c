using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Workflows.Core.Ports;
using Workflows.Core.Validation;

namespace Workflows.Service.Api;

/// <summary>Turns the exceptions that mean something to a client into problem details; the rest become a plain 500.</summary>
public sealed class ExceptionMapping(IProblemDetailsService problems, ILogger<ExceptionMapping> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, title) = exception switch
        {
            ValidationException => (400, "Invalid request"),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
            DuplicateIdException => (409, "Already exists"),
            StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException
                or MongoDB.Driver.MongoConnectionException or TimeoutException => (503, "A dependency is unavailable"),
            _ => (0, ""),
        };
        if (status == 0) return false;
        if (status == 503) logger.LogWarning(exception, "Dependency unavailable while serving {Path}", context.Request.Path);

        context.Response.StatusCode = status;
        if (status == 503) context.Response.Headers.RetryAfter = "5";
        var details = new ProblemDetails { Status = status, Title = title, Detail = exception.Message };
        if (exception is ValidationException v)
            details.Extensions["errors"] = v.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }
}
