using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Workflows.Service.Resilience;

namespace Workflows.IntegrationTests.Resilience;

/// <summary>
/// The guard's rules on their own, with a dependency that answers as told (the outage of a real Redis behind the API
/// is OutageTests; this is where each rule is pinned down): the time limit, the failure ratio over the window and its
/// minimum throughput, refusing while open, and one trial call after the break.
/// </summary>
public sealed class DependencyGuardTests
{
    private static DependencyGuard Guard(int timeoutMs = 200, int breakMs = 300, int minimumThroughput = 4) =>
        new("redis", new GuardOptions { TimeoutMilliseconds = timeoutMs, BreakMilliseconds = breakMs, MinimumThroughput = minimumThroughput, FailureRatio = 0.5, SamplingSeconds = 5 },
            Guards.IsTransientRedis, NullLogger.Instance);

    private static Task<int> Answer(CancellationToken ct) => Task.Run(async () => { await Task.Delay(1, ct); return 7; }, ct);
    private static Task<int> Fail(CancellationToken ct) => Task.FromException<int>(new RedisConnectionException(ConnectionFailureType.SocketFailure, "down"));

    [Fact]
    public async Task Answers_pass_through()
    {
        var guard = Guard();
        Assert.Equal(7, await guard.RunAsync(Answer, CancellationToken.None));
        Assert.False(guard.IsOpen);
    }

    [Fact]
    public async Task A_call_over_the_limit_is_unavailable_even_if_the_client_ignores_the_token()
    {
        var guard = Guard(timeoutMs: 50);
        var never = new TaskCompletionSource<int>(); // StackExchange.Redis ignores tokens: only WaitAsync ends the wait
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<DependencyUnavailableException>(() => guard.RunAsync(_ => never.Task, CancellationToken.None));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(40), TimeSpan.FromSeconds(2));
        Assert.IsType<TimeoutException>(e.InnerException);
        Assert.False(e.Refused);
        Assert.Equal("redis", e.Dependency);
    }

    [Fact]
    public async Task The_circuit_opens_at_the_failure_ratio_once_the_window_holds_the_minimum_throughput()
    {
        var guard = Guard(minimumThroughput: 4);
        await guard.RunAsync(Answer, CancellationToken.None);
        await guard.RunAsync(Answer, CancellationToken.None);
        await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None));
        Assert.False(guard.IsOpen); // 1 of 3: under the minimum throughput
        await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None));
        Assert.True(guard.IsOpen); // 2 of 4 failed: ratio 0.5 reached

        var calls = 0;
        var refused = await Assert.ThrowsAsync<DependencyUnavailableException>(() => guard.RunAsync(t => { calls++; return Answer(t); }, CancellationToken.None));
        Assert.Equal(0, calls); // refused without trying
        Assert.True(refused.Refused);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));
        Assert.IsType<RedisConnectionException>(refused.InnerException); // the failure that opened it
    }

    [Fact]
    public async Task Refused_items_are_answers_not_outages()
    {
        var guard = Guard(minimumThroughput: 2);
        for (var i = 0; i < 10; i++)
            await Assert.ThrowsAsync<InvalidOperationException>(() => guard.RunAsync<int>(_ => throw new InvalidOperationException("duplicate"), CancellationToken.None));
        Assert.False(guard.IsOpen);
    }

    [Fact]
    public async Task After_the_break_one_trial_call_closes_the_circuit_and_others_wait_for_it()
    {
        var guard = Guard(minimumThroughput: 2, breakMs: 100);
        for (var i = 0; i < 2; i++) await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None));
        Assert.True(guard.IsOpen);
        await Task.Delay(150);
        Assert.False(guard.IsOpen); // the break is over: readiness may probe

        var trialAnswer = new TaskCompletionSource<int>();
        var trial = guard.RunAsync(_ => trialAnswer.Task, CancellationToken.None);
        Assert.True(guard.IsOpen); // half-open with the trial under way
        var other = await Assert.ThrowsAsync<DependencyUnavailableException>(() => guard.RunAsync(Answer, CancellationToken.None));
        Assert.True(other.Refused);

        trialAnswer.SetResult(1);
        Assert.Equal(1, await trial);
        Assert.False(guard.IsOpen);
        Assert.Equal(7, await guard.RunAsync(Answer, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_trial_opens_the_circuit_for_another_break()
    {
        var guard = Guard(minimumThroughput: 2, breakMs: 100);
        for (var i = 0; i < 2; i++) await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None));
        await Task.Delay(150);
        await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None)); // the trial
        Assert.True(guard.IsOpen);
        Assert.True((await Assert.ThrowsAsync<DependencyUnavailableException>(() => guard.RunAsync(Answer, CancellationToken.None))).Refused);
    }

    [Fact]
    public async Task A_caller_that_leaves_is_not_a_failure_and_does_not_use_up_the_trial()
    {
        var guard = Guard(minimumThroughput: 2, breakMs: 100);
        for (var i = 0; i < 5; i++)
        {
            using var gone = new CancellationTokenSource();
            await gone.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => guard.RunAsync(Answer, gone.Token));
        }
        Assert.False(guard.IsOpen);

        for (var i = 0; i < 2; i++) await Assert.ThrowsAsync<RedisConnectionException>(() => guard.RunAsync(Fail, CancellationToken.None));
        await Task.Delay(150);
        using (var leaving = new CancellationTokenSource())
        {
            var trial = guard.RunAsync(_ => new TaskCompletionSource<int>().Task, leaving.Token);
            await leaving.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trial);
        }
        Assert.Equal(7, await guard.RunAsync(Answer, CancellationToken.None)); // the next call is the trial, and closes it
        Assert.False(guard.IsOpen);
    }
}
