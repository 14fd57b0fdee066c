namespace Infra.Rehearsal.Load;

/// <summary>
/// The Redis stream as a fluid FIFO: executions arrive in cohorts (one per tick), workers take them oldest first, and
/// each cohort's wait is the time from its arrival to its start. QueueLength (the published signal) is what waits plus
/// what runs, as the service reports it (stream lag + pending).
/// </summary>
public sealed class ExecutionQueue
{
    private readonly LinkedList<(double ArrivedAt, double Count)> _waiting = new();
    private readonly List<(double Wait, double Count)> _waits = [];

    public double Waiting => _waiting.Sum(c => c.Count);
    public double Running { get; private set; }
    public double Length => Waiting + Running;
    public double TotalArrived { get; private set; }
    public double TotalStarted { get; private set; }

    public void Arrive(double t, double count)
    {
        if (count <= 0) return;
        _waiting.AddLast((t, count));
        TotalArrived += count;
    }

    /// <summary>Starts up to <paramref name="capacity"/> executions at <paramref name="t"/>; returns how many started and the oldest wait now.</summary>
    public double Start(double t, double capacity)
    {
        var started = 0.0;
        while (capacity > 1e-9 && _waiting.First is { } first)
        {
            var take = Math.Min(capacity, first.Value.Count);
            _waits.Add((t - first.Value.ArrivedAt, take));
            started += take;
            capacity -= take;
            if (take >= first.Value.Count - 1e-9) _waiting.RemoveFirst();
            else first.Value = (first.Value.ArrivedAt, first.Value.Count - take);
        }
        TotalStarted += started;
        return started;
    }

    /// <summary>How long the oldest waiting execution has waited.</summary>
    public double OldestWait(double t) => _waiting.First is { } f ? t - f.Value.ArrivedAt : 0;

    public void SetRunning(double running) => Running = running;

    /// <summary>Weighted quantile of the waits of every execution started so far (and of those still waiting, at <paramref name="t"/>).</summary>
    public double WaitQuantile(double q, double t)
    {
        var all = _waits.Concat(_waiting.Select(c => (Wait: t - c.ArrivedAt, c.Count))).Where(w => w.Count > 0).OrderBy(w => w.Wait).ToList();
        var total = all.Sum(w => w.Count);
        if (total <= 0) return 0;
        var seen = 0.0;
        foreach (var (wait, count) in all)
        {
            seen += count;
            if (seen >= q * total) return wait;
        }
        return all[^1].Wait;
    }

    public double MaxWait(double t) => Math.Max(_waits.Select(w => w.Wait).DefaultIfEmpty(0).Max(), OldestWait(t));
}
