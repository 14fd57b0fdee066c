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
            UnstorableItemException => (422, "Cannot be stored"),
            Resilience.DependencyUnavailableException => (503, "A dependency is unavailable"),
            // Outages, timeouts and failovers (READONLY, LOADING, not primary): transient, so the client should retry.
            StackExchange.Redis.RedisException or TimeoutException
                or MongoDB.Driver.MongoConnectionException or MongoDB.Driver.MongoNotPrimaryException
                or MongoDB.Driver.MongoNodeIsRecoveringException or MongoDB.Driver.MongoExecutionTimeoutException => (503, "A dependency is unavailable"),
            _ => (0, ""),
        };
        if (status == 0) return false;

        context.Response.StatusCode = status;
        string detail;
        if (status == 503)
        {
            // The exception text names internal hosts; it goes to the log, not to the client. An open circuit is
            // expected while a dependency is down: logged once by the breaker, not once per request.
            var retryAfter = 5;
            if (exception is Resilience.DependencyUnavailableException unavailable)
            {
                retryAfter = Math.Max(1, (int)Math.Ceiling(unavailable.RetryAfter.TotalSeconds));
                if (!unavailable.Refused)
                    logger.LogWarning(exception, "Dependency unavailable while serving {Path}", context.Request.Path);
            }
            else
            {
                logger.LogWarning(exception, "Dependency unavailable while serving {Path}", context.Request.Path);
            }
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            detail = $"The queue or the store did not answer. Nothing was changed; retry after {retryAfter} s.";
        }
        else
        {
            detail = exception.Message;
        }
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (exception is ValidationException v)
            details.Extensions["errors"] = v.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }
}
