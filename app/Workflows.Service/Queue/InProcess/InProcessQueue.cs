using System.Threading.Channels;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;

namespace Workflows.Service.Queue.InProcess;

/// <summary>
/// The <c>inprocess</c> execution mode: a bounded channel inside one process (API and worker in the same host).
/// Nothing survives a restart in the channel itself; the worker re-queues unfinished executions from the store
/// when it starts.
/// </summary>
public sealed class InProcessQueue(int capacity, RunningExecutions running) : IExecutionQueue, ICancellationBroadcaster
{
    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private int _inFlight;

    public ChannelReader<string> Reader => _channel.Reader;

    public Task<long> GetBacklogAsync(CancellationToken ct) => Task.FromResult((long)_channel.Reader.Count + Volatile.Read(ref _inFlight));

    public async Task PublishAsync(string executionId, CancellationToken ct)
    {
        // Full: the dispatcher's backlog check keeps callers below capacity; a short wait covers races.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await _channel.Writer.WriteAsync(executionId, timeout.Token);
    }

    /// <summary>Non-blocking: false when the channel is full.</summary>
    public bool TryRequeue(string executionId) => _channel.Writer.TryWrite(executionId);

    public Task BroadcastAsync(string executionId, CancellationToken ct)
    {
        running.Cancel(executionId);
        return Task.CompletedTask;
    }

    internal void MarkStarted() => Interlocked.Increment(ref _inFlight);
    internal void MarkFinished() => Interlocked.Decrement(ref _inFlight);
}
