using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Service.Auth;

namespace Workflows.Service.Api;

/// <summary>/api/executions: read one, cancel one.</summary>
public static class ExecutionEndpoints
{
    public static RouteGroupBuilder MapExecutionEndpoints(this RouteGroupBuilder api)
    {
        var executions = api.MapGroup("/executions").WithTags("Executions");
        executions.MapGet("/{id}", GetAsync).RequireAuthorization(AuthExtensions.ReadPolicy).WithSummary("Get an execution.");
        executions.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(AuthExtensions.WritePolicy)
            .WithSummary("Cancel a queued or running execution; 409 when it already finished.");
        return api;
    }

    private static async Task<IResult> GetAsync(string id, IExecutionStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } execution ? Results.Ok(execution) : WorkflowEndpoints.NotFound("execution", id);

    private static async Task<IResult> CancelAsync(string id, IExecutionStore store, ICancellationBroadcaster broadcaster, IExecutionObserver observer, TimeProvider time, CancellationToken ct)
    {
        var canceled = await store.TryCancelAsync(id, time.GetUtcNow(), ct);
        if (canceled is null)
        {
            var current = await store.GetAsync(id, ct);
            return current is null
                ? WorkflowEndpoints.NotFound("execution", id)
                : Results.Problem(statusCode: 409, title: "Already finished",
                    detail: $"Execution '{id}' is {current.Status.ToWire()}; only queued or running executions can be canceled.");
        }
        observer.Finished(ExecutionStatus.Canceled);
        // The stored state is final now; this only stops the worker early.
        await broadcaster.BroadcastAsync(id, ct);
        return Results.Ok(canceled);
    }
}
