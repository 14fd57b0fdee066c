using System.Collections.Concurrent;

namespace Workflows.Core.Runtime;

/// <summary>The executions this process is running, so a cancel request can reach the one it names.</summary>
public sealed class RunningExecutions
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public int Count => _running.Count;

    public CancellationTokenSource Register(string executionId)
    {
        var cts = new CancellationTokenSource();
        _running[executionId] = cts;
        return cts;
    }

    public void Unregister(string executionId) => _running.TryRemove(executionId, out _);

    /// <summary>Cancels the execution if it runs here; false if it does not.</summary>
    public bool Cancel(string executionId)
    {
        if (!_running.TryGetValue(executionId, out var cts)) return false;
        try { cts.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }
}
