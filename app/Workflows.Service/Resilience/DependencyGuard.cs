using System.Diagnostics;

namespace Workflows.Service.Resilience;

/// <summary>
/// A circuit breaker and a time limit around one dependency (the queue's Redis, the store). While the dependency
/// fails, callers get <see cref="DependencyUnavailableException"/> at once instead of each waiting for its own
/// timeout: the API answers 503 with Retry-After in milliseconds, readiness turns unhealthy (so the load balancer
/// and Kubernetes stop routing here), and after the break a single trial call (a request or the readiness probe)
/// closes the circuit again by itself.
/// </summary>
/// <remarks>
/// Polly's breaker and timeout did the same at 1.7 KB and ~4 µs per call (bench/hot-paths.sh), three calls per POST
/// execute: a quarter of what the API allocated per request. This one takes a lock only to count and costs a linked
/// token source, its timer and one state machine per call. The rules are Polly's: the failure ratio over a rolling
/// sampling window (ten buckets) once it holds the minimum throughput; half-open admits one trial call.
/// </remarks>
public sealed class DependencyGuard
{
    private const int Buckets = 10;

    private readonly Func<Exception, bool> _isTransient;
    private readonly ILogger _logger;
    private readonly long _bucketTicks;
    private readonly Lock _gate = new();
    private readonly (long Start, int Calls, int Failures)[] _window = new (long, int, int)[Buckets];
    private State _state = State.Closed;
    private long _openUntil; // Stopwatch timestamp; while Open
    private Exception? _lastFailure;

    private enum State { Closed, Open, HalfOpen }

    public DependencyGuard(string name, GuardOptions options, Func<Exception, bool> isTransient, ILogger logger)
    {
        Name = name;
        Options = options;
        _isTransient = isTransient;
        _logger = logger;
        _bucketTicks = Math.Max(1, Stopwatch.Frequency * options.SamplingSeconds / Buckets);
    }

    public string Name { get; }
    public GuardOptions Options { get; }

    /// <summary>True while calls are refused without trying (open, or half-open with the trial call under way).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate) return _state == State.HalfOpen || (_state == State.Open && Stopwatch.GetTimestamp() < _openUntil);
        }
    }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var trial = Admit();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(Options.TimeoutMilliseconds);
        try
        {
            // WaitAsync makes the time limit hold for clients that ignore the token (StackExchange.Redis does).
            var result = await call(limit.Token).WaitAsync(limit.Token);
            Record(trial, failure: null);
            return result;
        }
        catch (OperationCanceledException e) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var timeout = new TimeoutException($"{Name} did not answer within {Options.TimeoutMilliseconds} ms.", e);
            Record(trial, timeout);
            throw new DependencyUnavailableException(Name, TimeSpan.FromMilliseconds(Options.BreakMilliseconds), timeout);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (trial) Abandon(); // the caller left: no answer either way, the next call is the trial
            throw;
        }
        catch (Exception e)
        {
            Record(trial, _isTransient(e) ? e : null); // a refused item (duplicate, conflict) is an answer, not an outage
            throw;
        }
    }

    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken ct) =>
        RunAsync(async token => { await call(token); return true; }, ct);

    /// <summary>Lets a call through, or throws when the circuit refuses it. True for the half-open trial call.</summary>
    private bool Admit()
    {
        lock (_gate)
        {
            switch (_state)
            {
                case State.Closed:
                    return false;
                case State.Open when Stopwatch.GetTimestamp() >= _openUntil:
                    _state = State.HalfOpen;
                    return true;
                case State.Open:
                    throw Refused(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _openUntil));
                default: // half-open: the trial call is under way
                    throw Refused(TimeSpan.FromMilliseconds(Options.BreakMilliseconds));
            }
        }
    }

    private DependencyUnavailableException Refused(TimeSpan retryAfter) =>
        new(Name, retryAfter, _lastFailure ?? new TimeoutException($"{Name} circuit open"), refused: true);

    private void Record(bool trial, Exception? failure)
    {
        var now = Stopwatch.GetTimestamp();
        bool opened = false, closed = false;
        lock (_gate)
        {
            if (trial)
            {
                if (failure is null) { _state = State.Closed; Array.Clear(_window); closed = true; }
                else Open(now, failure);
            }
            else if (_state == State.Closed)
            {
                var tick = now / _bucketTicks;
                ref var bucket = ref _window[tick % Buckets];
                if (bucket.Start != tick) bucket = (tick, 0, 0);
                bucket.Calls++;
                if (failure is not null)
                {
                    bucket.Failures++;
                    int calls = 0, failures = 0;
                    foreach (var b in _window)
                    {
                        if (b.Start <= tick - Buckets) continue; // older than the sampling window
                        calls += b.Calls;
                        failures += b.Failures;
                    }
                    if (calls >= Options.MinimumThroughput && failures >= Options.FailureRatio * calls) { Open(now, failure); opened = true; }
                }
            }
        }
        if (opened || (trial && failure is not null))
            _logger.LogWarning(failure, "{Dependency} is failing: circuit open for {Break} ms (requests answer 503)", Name, Options.BreakMilliseconds);
        if (closed) _logger.LogInformation("{Dependency} answers again: circuit closed", Name);
    }

    private void Abandon()
    {
        lock (_gate) { _state = State.Open; _openUntil = Stopwatch.GetTimestamp(); }
    }

    private void Open(long now, Exception failure)
    {
        _state = State.Open;
        _openUntil = now + Stopwatch.Frequency * Options.BreakMilliseconds / 1000;
        _lastFailure = failure;
    }
}

/// <summary>Section <c>Resilience:&lt;Dependency&gt;</c> (Redis, Store).</summary>
public sealed class GuardOptions
{
    /// <summary>A single call longer than this counts as a failure and answers 503.</summary>
    public int TimeoutMilliseconds { get; set; } = 2000;
    /// <summary>The circuit opens when at least this share of the calls in the sampling window failed...</summary>
    public double FailureRatio { get; set; } = 0.5;
    /// <summary>...and the window held at least this many calls.</summary>
    public int MinimumThroughput { get; set; } = 5;
    public int SamplingSeconds { get; set; } = 5;
    /// <summary>How long an open circuit refuses calls before one trial call may close it.</summary>
    public int BreakMilliseconds { get; set; } = 2000;

    public string? Problem(string section) =>
        TimeoutMilliseconds is < 10 or > 600_000 ? $"{section}:TimeoutMilliseconds must be from 10 to 600000"
        : FailureRatio is <= 0 or > 1 ? $"{section}:FailureRatio must be above 0 and at most 1"
        : MinimumThroughput is < 2 or > 10_000 ? $"{section}:MinimumThroughput must be from 2 to 10000"
        : SamplingSeconds is < 1 or > 3600 ? $"{section}:SamplingSeconds must be from 1 to 3600"
        : BreakMilliseconds is < 100 or > 600_000 ? $"{section}:BreakMilliseconds must be from 100 to 600000"
        : null;
}

/// <summary>A dependency failed or its circuit is open: the caller should retry after <see cref="RetryAfter"/>.</summary>
public sealed class DependencyUnavailableException(string dependency, TimeSpan retryAfter, Exception inner, bool refused = false)
    : Exception($"{dependency} is unavailable; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.", inner)
{
    public string Dependency { get; } = dependency;
    public TimeSpan RetryAfter { get; } = retryAfter;
    /// <summary>Refused by the open circuit without trying (the failure that opened it was logged then).</summary>
    public bool Refused { get; } = refused;
}
