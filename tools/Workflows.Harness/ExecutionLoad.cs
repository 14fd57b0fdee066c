using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.Harness;

/// <summary>One POST execute as the client saw it.</summary>
public sealed record ExecuteAttempt(TimeSpan At, TimeSpan Latency, int Status, string? ExecutionId);

/// <summary>
/// Clients posting executions of one workflow back to back at a fixed concurrency until stopped, recording every
/// answer: a 202 is a promise a drill later checks against the store.
/// </summary>
public sealed class ExecutionLoad(HttpClient client, string workflowId, int concurrency)
{
    private readonly ConcurrentQueue<ExecuteAttempt> _attempts = new();
    private readonly Stopwatch _clock = new();
    private int _counter;

    public IReadOnlyCollection<ExecuteAttempt> Attempts => _attempts;
    public TimeSpan Elapsed => _clock.Elapsed;
    public IEnumerable<string> Accepted => _attempts.Where(a => a.Status == 202).Select(a => a.ExecutionId!);

    /// <param name="rate">Requests per second over all clients (paced on a schedule); 0 posts as fast as answers come.</param>
    public async Task RunAsync(CancellationToken stop, int? maxExecutions = null, TimeSpan? pauseAfterRefusal = null, double rate = 0)
    {
        _clock.Start();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref _counter) - 1;
                if (maxExecutions is not null && index >= maxExecutions) break;
                if (rate > 0 && TimeSpan.FromSeconds(index / rate) - _clock.Elapsed is { Ticks: > 0 } wait)
                {
                    try { await Task.Delay(wait, stop); } catch (OperationCanceledException) { break; }
                }
                var at = _clock.Elapsed;
                var watch = Stopwatch.StartNew();
                int status;
                string? id = null;
                try
                {
                    var body = new StringContent("{\"input\": {\"n\": " + index + "}}", Encoding.UTF8, "application/json");
                    using var response = await client.PostAsync($"/api/workflows/{workflowId}/execute", body, CancellationToken.None);
                    status = (int)response.StatusCode;
                    if (status == 202) id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!.GetValue<string>();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    status = 0; // no answer at all: connection refused, reset or timed out
                }
                _attempts.Enqueue(new ExecuteAttempt(at, watch.Elapsed, status, id));
                if (status != 202 && pauseAfterRefusal is { } pause) await Task.Delay(pause, CancellationToken.None);
            }
        }));
    }
}

public static class Percentiles
{
    /// <summary>The nearest-rank percentile (p in 0..100) of the values; 0 for none.</summary>
    public static double Of(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
