namespace Workflows.Core.Ports;

/// <summary>The transport between the API role and the worker role. Persistence is not its job: see <see cref="Runtime.ExecutionDispatcher"/>.</summary>
public interface IExecutionQueue
{
    /// <summary>Work not yet finished: waiting to be delivered plus delivered but not acknowledged.</summary>
    Task<long> GetBacklogAsync(CancellationToken ct);

    /// <summary>
    /// The backlog for admitting new work (the execute endpoint's limit): may be an estimate that saves a round trip
    /// per request, never lower than what this process added since it was read. Signals use <see cref="GetBacklogAsync"/>.
    /// </summary>
    Task<long> GetAdmissionBacklogAsync(CancellationToken ct) => GetBacklogAsync(ct);

    /// <summary>Hands an already-persisted execution to the workers.</summary>
    Task PublishAsync(string executionId, CancellationToken ct);
}

/// <summary>Tells whichever worker runs an execution to stop it (the API wrote "canceled" already).</summary>
public interface ICancellationBroadcaster
{
    Task BroadcastAsync(string executionId, CancellationToken ct);
}
