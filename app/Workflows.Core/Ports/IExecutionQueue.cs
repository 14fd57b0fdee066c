namespace Workflows.Core.Ports;

/// <summary>The transport between the API role and the worker role. Persistence is not its job: see <see cref="Runtime.ExecutionDispatcher"/>.</summary>
public interface IExecutionQueue
{
    /// <summary>Work not yet finished: waiting to be delivered plus delivered but not acknowledged.</summary>
    Task<long> GetBacklogAsync(CancellationToken ct);

    /// <summary>Hands an already-persisted execution to the workers.</summary>
    Task PublishAsync(string executionId, CancellationToken ct);
}

/// <summary>Tells whichever worker runs an execution to stop it (the API wrote "canceled" already).</summary>
public interface ICancellationBroadcaster
{
    Task BroadcastAsync(string executionId, CancellationToken ct);
}
