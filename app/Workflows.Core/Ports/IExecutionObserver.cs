using Workflows.Core.Domain;

namespace Workflows.Core.Ports;

/// <summary>Told when this process stored an execution's terminal state (the WorkflowExecutions signal counts these).</summary>
public interface IExecutionObserver
{
    void Finished(ExecutionStatus status);
}
