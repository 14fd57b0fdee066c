using System.Diagnostics;

namespace Workflows.Service.Metrics;

/// <summary>
/// Times every API request (not health probes): the ResponseTime and AverageResponseTime signals, and the bottleneck
/// detector's api threshold, named by route.
/// </summary>
public sealed class RequestTimingMiddleware(RequestDelegate next, SignalRecorder recorder, BottleneckDetector detector)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/api/health"))
        {
            await next(context);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            recorder.RecordResponse(elapsed.TotalMilliseconds);
            if (elapsed.TotalMilliseconds > detector.ThresholdMilliseconds(BottleneckDetector.Api)) // the name only for slow ones
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
                detector.Observe(BottleneckDetector.Api, $"{context.Request.Method} {route}", elapsed);
            }
        }
    }
}
