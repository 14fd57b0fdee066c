using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Workflows.Service.Resilience;

namespace Workflows.Bench.HotPaths;

/// <summary>
/// What the dependency guard adds to each store and queue call (three per POST execute), beside the bare call and
/// the Polly pipeline (circuit breaker + timeout) it replaced.
/// </summary>
[MemoryDiagnoser]
public class GuardBenchmarks
{
    private readonly DependencyGuard _guard = new("bench", new GuardOptions(), _ => false, NullLogger.Instance);
    private readonly ResiliencePipeline _polly = new ResiliencePipelineBuilder()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions())
        .AddTimeout(TimeSpan.FromSeconds(2))
        .Build();

    private static async Task<int> Dependency(CancellationToken ct)
    {
        await Task.Yield(); // an answer that arrives later, like Redis's or the group commit's
        return 1;
    }

    [Benchmark(Baseline = true)]
    public Task<int> Bare() => Dependency(CancellationToken.None);

    [Benchmark]
    public Task<int> Guard() => _guard.RunAsync(Dependency, CancellationToken.None);

    [Benchmark]
    public async Task<int> PollyBreakerAndTimeout() =>
        await _polly.ExecuteAsync(async token => await Dependency(token).WaitAsync(token), CancellationToken.None);
}
