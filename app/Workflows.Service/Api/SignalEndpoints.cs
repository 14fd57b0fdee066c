using Workflows.Core.Ports;
using Workflows.Service.Auth;
using Workflows.Service.Metrics;

namespace Workflows.Service.Api;

public static class SignalEndpoints
{
    /// <summary>
    /// <c>GET /api/signals</c>: this process's scaling signals for the last five minutes in 5-second slices, and the
    /// queue's backlog now; the console's live panel polls it. Per process: behind a load balancer each answer comes
    /// from whichever instance served it (CloudWatch has the fleet's view).
    /// </summary>
    public static RouteGroupBuilder MapSignalEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/signals", GetAsync).RequireAuthorization(AuthExtensions.ReadPolicy).WithTags("Signals")
            .WithSummary("This process's recent scaling signals (5-second slices, last 5 minutes).");
        return api;
    }

    public sealed record SignalsView(string Instance, int SliceSeconds, long? QueueLength, IReadOnlyList<LiveSlice> Slices);

    private static async Task<IResult> GetAsync(HttpContext http, SignalRecorder recorder, IExecutionQueue queue, CancellationToken ct)
    {
        long? backlog = null;
        try { backlog = await queue.GetBacklogAsync(ct).WaitAsync(TimeSpan.FromSeconds(1), ct); }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { } // shown as unknown, not as 0
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new SignalsView(Environment.MachineName, LiveSignals.SliceSeconds, backlog, recorder.Recent()));
    }
}
