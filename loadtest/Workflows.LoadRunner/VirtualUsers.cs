using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Workflows.LoadProfiles;

namespace Workflows.LoadRunner;

/// <summary>
/// The profile's virtual users in this process (<c>--engine dotnet</c>): k6's ramping VUs, as the artillery processor
/// models them (user #k runs while k ≤ ceil(users(now)), so a falling stage stops the newest users first), each
/// looping over the profile's requests and think times on its own connection. It writes the same live statistics
/// (one JSON line per second: per request, count, failures, latencies) that artillery's processor writes, so the
/// summary, thresholds and plots are the same. Why a second engine: on a 2-core machine the load generator shares
/// the cores with the platform, and artillery (Node.js, one event loop, ~10 objects per request) takes a large share
/// of them and adds its own event-loop delay to every latency; async HttpClient tasks cost a fraction of that.
/// </summary>
public sealed class VirtualUsers(LoadProfile profile, Uri baseUrl, string apiKey, string workflowId, string liveFile)
{
    private readonly Lock _gate = new();
    private Dictionary<string, Bucket> _buckets = [];
    private readonly Stopwatch _clock = new();
    private int _second;

    private sealed class Bucket
    {
        public int Count;
        public int Failed;
        public readonly List<double> Latencies = [];
    }

    public async Task RunAsync(CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue, // a connection per busy user, as k6 and artillery open
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        File.Delete(liveFile);
        _clock.Start();
        using var flusher = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var flushing = FlushLoopAsync(flusher, stop);
        var users = new List<Task>();
        var duration = profile.Duration.TotalSeconds;
        while (!stop.IsCancellationRequested && Now < duration)
        {
            // Start every slot the curve has reached; each stops itself when the curve falls below it.
            var wanted = (int)Math.Ceiling(profile.UsersAt(TimeSpan.FromSeconds(Now)) - 1e-9);
            while (users.Count < wanted) users.Add(UserAsync(http, users.Count + 1, stop));
            try { await Task.Delay(50, stop); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(users);
        flusher.Dispose(); // ends the flush loop
        try { await flushing; } catch (OperationCanceledException) { }
        Flush((int)Math.Floor(Now) + 1);
    }

    private double Now => _clock.Elapsed.TotalSeconds;

    private bool Active(int slot) => Now < profile.Duration.TotalSeconds && slot <= Math.Ceiling(profile.UsersAt(TimeSpan.FromSeconds(Now)) - 1e-9);

    private async Task UserAsync(HttpClient http, int slot, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested && Active(slot))
        {
            foreach (var step in profile.Steps)
            {
                if (stop.IsCancellationRequested) return;
                switch (step)
                {
                    case Think think:
                        try { await Task.Delay(think.Duration, stop); } catch (OperationCanceledException) { return; }
                        break;
                    case Request request:
                        await SendAsync(http, request, stop);
                        break;
                }
            }
        }
    }

    private async Task SendAsync(HttpClient http, Request request, CancellationToken stop)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path.Replace("{workflowId}", workflowId));
        if (request.Body is not null) message.Content = new StringContent(request.Body, Encoding.UTF8, "application/json");
        var started = Stopwatch.GetTimestamp();
        bool failed;
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, stop);
            failed = !request.Expect.Contains((int)response.StatusCode);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            failed = true; // no answer (refused, reset, timed out): a failure, as artillery's transport errors are
        }
        var ms = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
        lock (_gate)
        {
            if (!_buckets.TryGetValue(request.Name, out var b)) _buckets[request.Name] = b = new Bucket();
            b.Count++;
            if (failed) b.Failed++;
            b.Latencies.Add(ms);
        }
    }

    private async Task FlushLoopAsync(PeriodicTimer timer, CancellationToken stop)
    {
        while (await timer.WaitForNextTickAsync(stop)) Flush((int)Math.Floor(Now));
    }

    /// <summary>Writes every whole second before <paramref name="upTo"/> as one line (the processor's format).</summary>
    private void Flush(int upTo)
    {
        var lines = new StringBuilder();
        lock (_gate)
        {
            while (_second < upTo)
            {
                var line = new Dictionary<string, object>
                {
                    ["t"] = _second,
                    ["users"] = (int)Math.Round(profile.UsersAt(TimeSpan.FromSeconds(_second))),
                    ["requests"] = _buckets.ToDictionary(kv => kv.Key, kv => new { count = kv.Value.Count, failed = kv.Value.Failed, latencies = kv.Value.Latencies }),
                };
                lines.Append(JsonSerializer.Serialize(line)).Append('\n');
                _buckets = [];
                _second++;
            }
        }
        if (lines.Length > 0) File.AppendAllText(liveFile, lines.ToString());
    }
}
