using System.Collections.Concurrent;

namespace Workflows.Service.Queue;

/// <summary>
/// Bounded concurrency for a worker loop plus the graceful drain: on shutdown, in-flight work gets a grace period,
/// then its token is canceled (the runner leaves those executions unacknowledged for another worker).
/// </summary>
public sealed class WorkerSlots(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _free = new(concurrency, concurrency);
    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _work = new();

    /// <summary>Passed to executions: canceled only when the grace period runs out.</summary>
    public CancellationToken WorkToken => _work.Token;

    public int Free => _free.CurrentCount;
    public IReadOnlyCollection<string> InFlightIds => (IReadOnlyCollection<string>)_inFlight.Keys;

    public async Task WaitForFreeSlotAsync(CancellationToken ct)
    {
        await _free.WaitAsync(ct);
        _free.Release();
    }

    /// <summary>Starts work in a slot the caller knows is free (only the single read loop takes slots).</summary>
    /// <returns>False when the id is already running here (a duplicate delivery).</returns>
    public bool TryStart(string id, Func<CancellationToken, Task> work)
    {
        if (_inFlight.ContainsKey(id) || !_free.Wait(0)) return false;
        var task = Task.Run(async () =>
        {
            try { await work(_work.Token); }
            finally
            {
                _inFlight.TryRemove(id, out _);
                _free.Release();
            }
        });
        _inFlight.TryAdd(id, task);
        return true;
    }

    /// <summary>Waits for in-flight work up to <paramref name="grace"/>, then cancels it and waits for it to stop.</summary>
    public async Task DrainAsync(TimeSpan grace)
    {
        var all = Task.WhenAll(_inFlight.Values);
        if (await Task.WhenAny(all, Task.Delay(grace)) != all)
        {
            await _work.CancelAsync();
            await Task.WhenAll(_inFlight.Values).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        _free.Dispose();
        _work.Dispose();
    }
}
