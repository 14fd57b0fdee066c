namespace Workflows.Service.Options;

/// <summary>Section <c>Workflows</c>: which role this process plays and how executions travel.</summary>
public sealed class ServiceOptions
{
    public const string Section = "Workflows";

    /// <summary><c>api</c> (HTTP only), <c>worker</c> (runs executions), <c>all</c> (both; the local default).</summary>
    public ServiceRole Role { get; set; } = ServiceRole.All;

    /// <summary><c>queue</c> (Redis Streams) or <c>inprocess</c>. Unset: queue when <c>Redis:ConnectionString</c> is set.</summary>
    public ExecutionMode? ExecutionMode { get; set; }

    /// <summary>How long a stopping worker lets in-flight executions finish before leaving them to be reclaimed.
    /// Keep it below Kubernetes' terminationGracePeriodSeconds.</summary>
    public int ShutdownGraceSeconds { get; set; } = 25;

    public bool RunsApi => Role is ServiceRole.Api or ServiceRole.All;
    public bool RunsWorker => Role is ServiceRole.Worker or ServiceRole.All;
}

public enum ServiceRole { All, Api, Worker }

public enum ExecutionMode { InProcess, Queue }
