namespace Infra.Rehearsal.Load;

/// <summary>
/// The API instances as queues. The ALB spreads requests evenly over the serving instances; each is an M/M/c queue
/// whose c servers are its vCPUs and whose service time is the request's calibrated CPU time (scaled by the instance's
/// speed). Below saturation the waiting time follows Erlang C (latency grows as utilisation ρ → 1); above it a backlog
/// builds and every request waits for it; a request that would wait longer than the timeout fails, as do all requests
/// while no instance serves.
/// </summary>
public sealed class WebTierLoad(int coresPerInstance, double speed, double idleCpuPercent, double timeoutSeconds, double networkMilliseconds)
{
    private double _backlogPerInstance;

    /// <summary>The quantiles each tick's latency distribution is summarised by (and their share of requests).</summary>
    public static readonly (double Q, double Weight)[] Quantiles =
        [(0.05, 0.1), (0.15, 0.1), (0.25, 0.1), (0.35, 0.1), (0.45, 0.1), (0.55, 0.1), (0.65, 0.1), (0.75, 0.1), (0.85, 0.1), (0.93, 0.05), (0.975, 0.04), (0.995, 0.01)];

    public sealed record RequestLoad(string Name, double PerSecond, Calibration.RequestCost Cost);

    /// <summary>One tick's outcome for one request type.</summary>
    public sealed record RequestOutcome(string Name, double Arrived, double Failed, double[] LatencyMsAtQuantiles);

    public sealed record Tick(IReadOnlyList<RequestOutcome> Requests, double CpuPercent, double Utilization, double BacklogSeconds);

    /// <summary>Advances one tick of <paramref name="dt"/> seconds with <paramref name="serving"/> instances behind the ALB.</summary>
    public Tick Step(IReadOnlyList<RequestLoad> loads, int serving, double dt)
    {
        var total = loads.Sum(l => l.PerSecond);
        if (serving == 0)
        {
            _backlogPerInstance = 0;
            return new Tick(loads.Select(l => new RequestOutcome(l.Name, l.PerSecond * dt, l.PerSecond * dt, Fill(0))).ToList(), 0, 0, 0);
        }
        var lambda = total / serving; // per instance
        var meanServiceMs = total > 0 ? loads.Sum(l => l.PerSecond * l.Cost.CpuMilliseconds) / total / speed : loads.Select(l => l.Cost.CpuMilliseconds).DefaultIfEmpty(1).Average() / speed;
        var mu = 1000.0 / Math.Max(meanServiceMs, 1e-6); // per core
        var capacity = coresPerInstance * mu;             // requests per second per instance
        var rho = lambda / capacity;

        // Fluid backlog above saturation; requests beyond what the timeout allows are refused.
        var arriving = lambda * dt;
        var served = Math.Min(_backlogPerInstance + arriving, capacity * dt);
        _backlogPerInstance = Math.Max(0, _backlogPerInstance + arriving - capacity * dt);
        var maxBacklog = timeoutSeconds * capacity;
        var overflow = Math.Max(0, _backlogPerInstance - maxBacklog);
        _backlogPerInstance -= overflow;
        var backlogWait = _backlogPerInstance / capacity;
        var failedShare = arriving > 0 ? overflow / arriving : 0;

        var erlangC = rho < 1 ? ErlangC(coresPerInstance, lambda / mu) : 1;
        var drain = Math.Max(capacity - lambda, 1e-9); // θ = cμ − λ
        double WaitAt(double q) => rho >= 1 ? 0 : (1 - q >= erlangC ? 0 : Math.Log(erlangC / (1 - q)) / drain);

        var outcomes = loads.Select(l =>
        {
            var fixedMs = l.Cost.CpuMilliseconds / speed + l.Cost.WaitMilliseconds + networkMilliseconds;
            var latencies = Quantiles.Select(q => fixedMs + 1000 * (backlogWait + WaitAt(q.Q))).ToArray();
            var arrived = l.PerSecond * dt;
            return new RequestOutcome(l.Name, arrived, arrived * failedShare, latencies);
        }).ToList();
        var busy = served * meanServiceMs / 1000 / (coresPerInstance * dt);
        return new Tick(outcomes, Math.Min(100, idleCpuPercent + 100 * Math.Min(1, busy)), rho, backlogWait);
    }

    private static double[] Fill(double v) => Quantiles.Select(_ => v).ToArray();

    /// <summary>Erlang C: the probability an arrival waits, for c servers offered a = λ/μ erlangs (a &lt; c).</summary>
    public static double ErlangC(int c, double a)
    {
        // Erlang B by recursion, then C = B / (1 − (a/c)(1 − B)): stable for any c.
        var b = 1.0;
        for (var k = 1; k <= c; k++) b = a * b / (k + a * b);
        var rho = a / c;
        return b / (1 - rho * (1 - b));
    }
}
