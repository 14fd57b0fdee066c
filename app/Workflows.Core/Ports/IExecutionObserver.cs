using Workflows.Core.Domain;

namespace Workflows.Core.Ports;

/// <summary>Told what this process did to executions, for the signals that count them.</summary>
public interface IExecutionObserver
{
    /// <summary>This process stored an execution's terminal state (the WorkflowExecutions signal).</summary>
    void Finished(ExecutionStatus status);

    /// <summary>The reconciler put executions back on the queue that the queue had lost (the RecoveredExecutions signal).</summary>
    void Recovered(int count);
}
