using System.Collections.Concurrent;

namespace Workflows.Service.Queue;

/// <summary>
/// Bounded concurrency for a worker plus the graceful drain: on shutdown, intake closes, in-flight work gets a grace
/// period, then its token is canceled (the runner leaves those executions unacknowledged for another worker).
/// </summary>
public sealed class WorkerSlots(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _free = new(concurrency, concurrency);
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _work = new();
    private readonly Lock _gate = new();
    private bool _closed;

    /// <summary>Passed to executions: canceled only when the grace period runs out.</summary>
    public CancellationToken WorkToken => _work.Token;

    public int Free => _free.CurrentCount;
    public IReadOnlyCollection<string> InFlightIds => (IReadOnlyCollection<string>)_inFlight.Keys;

    public async Task WaitForFreeSlotAsync(CancellationToken ct)
    {
        await _free.WaitAsync(ct);
        _free.Release();
    }

    /// <summary>Starts work if a slot is free, the id is not running here already and intake is open.</summary>
    /// <returns>False otherwise: the caller leaves the item where it was (pending in Redis, or unfinished in the store).</returns>
    public bool TryStart(string id, Func<CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (_closed || _inFlight.ContainsKey(id) || !_free.Wait(0)) return false;
            // Registered before it runs, so a fast finish cannot leave a stale id behind.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _inFlight[id] = started.Task;
            _ = Task.Run(async () =>
            {
                try { await work(_work.Token); }
                catch { /* the work logs its own failures */ }
                finally
                {
                    _inFlight.TryRemove(id, out _);
                    _free.Release();
                    started.SetResult();
                }
            });
            return true;
        }
    }

    /// <summary>Closes intake, waits for in-flight work up to <paramref name="grace"/>, then cancels it and waits for it to stop.</summary>
    public async Task DrainAsync(TimeSpan grace)
    {
        lock (_gate) _closed = true;
        var all = Task.WhenAll(_inFlight.Values);
        if (await Task.WhenAny(all, Task.Delay(grace)) != all)
        {
            await _work.CancelAsync();
            await Task.WhenAll(_inFlight.Values);
        }
    }

    public void Dispose()
    {
        _free.Dispose();
        _work.Dispose();
    }
}
