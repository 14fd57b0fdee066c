using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Workflows.Service.Resilience;

/// <summary>
/// A circuit breaker and a time limit around one dependency (the queue's Redis, the store). While the dependency
/// fails, callers get <see cref="DependencyUnavailableException"/> at once instead of each waiting for its own
/// timeout: the API answers 503 with Retry-After in milliseconds, readiness turns unhealthy (so the load balancer
/// and Kubernetes stop routing here), and after the break a single trial call (a request or the readiness probe)
/// closes the circuit again by itself.
/// </summary>
public sealed class DependencyGuard
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly Func<Exception, bool> _isTransient;

    public DependencyGuard(string name, GuardOptions options, Func<Exception, bool> isTransient, ILogger logger, TimeProvider? time = null)
    {
        Name = name;
        Options = options;
        _isTransient = isTransient;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(options.SamplingSeconds),
                BreakDuration = TimeSpan.FromMilliseconds(options.BreakMilliseconds),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsFailure(e)),
                StateProvider = _state,
                OnOpened = args =>
                {
                    logger.LogWarning(args.Outcome.Exception, "{Dependency} is failing: circuit open for {Break} ms (requests answer 503)", name, options.BreakMilliseconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    logger.LogInformation("{Dependency} answers again: circuit closed", name);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(TimeSpan.FromMilliseconds(options.TimeoutMilliseconds))
            .Build();
    }

    public string Name { get; }
    public GuardOptions Options { get; }

    /// <summary>True while calls are refused without trying (open, or half-open with the trial call under way).</summary>
    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            // WaitAsync makes the time limit hold for clients that ignore the token (StackExchange.Redis does).
            return await _pipeline.ExecuteAsync(async token => await call(token).WaitAsync(token), ct);
        }
        catch (BrokenCircuitException e)
        {
            throw new DependencyUnavailableException(Name, e.RetryAfter ?? TimeSpan.FromMilliseconds(Options.BreakMilliseconds), e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new DependencyUnavailableException(Name, TimeSpan.FromMilliseconds(Options.BreakMilliseconds), e);
        }
    }

    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken ct) =>
        RunAsync(async token => { await call(token); return true; }, ct);

    private bool IsFailure(Exception e) => e is TimeoutRejectedException || _isTransient(e);
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
public sealed class DependencyUnavailableException(string dependency, TimeSpan retryAfter, Exception inner)
    : Exception($"{dependency} is unavailable; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.", inner)
{
    public string Dependency { get; } = dependency;
    public TimeSpan RetryAfter { get; } = retryAfter;
}
