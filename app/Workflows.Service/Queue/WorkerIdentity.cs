namespace Workflows.Service.Queue;

/// <summary>This process's consumer name: host, process id and a random suffix, so restarts never reuse one.</summary>
public sealed record WorkerIdentity(string Name)
{
    public static WorkerIdentity Create() =>
        new($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
}
