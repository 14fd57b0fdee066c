using System.Net;
using System.Text.Json.Nodes;
using Workflows.LoadProfiles;
using Workflows.LoadRunner;

namespace Workflows.LoadTest.Tests;

/// <summary>
/// The dotnet engine against a loopback HTTP server that counts what it receives: the users follow the profile's
/// curve, every request is recorded once in the live statistics (the format the summary and plots read), and an
/// answer the profile does not expect counts as a failure.
/// </summary>
public sealed class VirtualUsersTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vu-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Users_follow_the_curve_and_every_request_is_recorded_once()
    {
        var port = Workflows.Harness.FreePort.Next();
        using var server = new HttpListener();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var received = new Dictionary<string, int>();
        int inFlight = 0, maxInFlight = 0, withoutKey = 0;
        var serving = Task.Run(async () =>
        {
            while (server.IsListening)
            {
                HttpListenerContext context;
                try { context = await server.GetContextAsync(); } catch (Exception) { return; }
                _ = Task.Run(async () =>
                {
                    var now = Interlocked.Increment(ref inFlight);
                    lock (received)
                    {
                        maxInFlight = Math.Max(maxInFlight, now);
                        received[$"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}"] = received.GetValueOrDefault($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}") + 1;
                    }
                    if (context.Request.Headers["X-Api-Key"] != "k") Interlocked.Increment(ref withoutKey);
                    await Task.Delay(5);
                    context.Response.StatusCode = context.Request.HttpMethod == "GET" ? 200 : 500; // execute "fails"
                    context.Response.Close();
                    Interlocked.Decrement(ref inFlight);
                });
            }
        });

        var file = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(file, """
            {"name": "tiny",
             "stages": [{"duration": "2s", "target": 4}, {"duration": "2s", "target": 4}, {"duration": "1s", "target": 0}],
             "steps": [
               {"request": "list", "method": "GET", "path": "/api/workflows", "expect": [200]},
               {"think": "200ms"},
               {"request": "run", "method": "POST", "path": "/api/workflows/{workflowId}/execute", "body": {"input": 1}, "expect": [202], "startsExecution": true},
               {"think": "200ms"}
             ]}
            """);
        var profile = ProfileLoader.Load(file, _dir);
        var live = Path.Combine(_dir, "live.jsonl");
        await new VirtualUsers(profile, new Uri($"http://127.0.0.1:{port}"), "k", "wf-1", live).RunAsync(TestContext.Current.CancellationToken);
        server.Stop();

        var seconds = LiveResults.Read(live, profile).Seconds;
        Assert.InRange(seconds.Count, 5, 6);
        Assert.Equal([0, 1, 2, 3, 4], seconds.Take(5).Select(s => s.T));
        Assert.Equal(4, seconds[2].Users); // the curve: 0 → 4 over 2 s, then 4
        Assert.Equal(2, seconds[1].Users);
        var lists = seconds.Sum(s => s.Requests.GetValueOrDefault("list").Count);
        var runs = seconds.Sum(s => s.Requests.GetValueOrDefault("run").Count);
        lock (received)
        {
            Assert.Equal(received.GetValueOrDefault("GET /api/workflows"), lists);
            Assert.Equal(received.GetValueOrDefault("POST /api/workflows/wf-1/execute"), runs);
            Assert.InRange(maxInFlight, 1, 4); // never more users than the curve's peak
        }
        Assert.True(lists >= 10, $"{lists} list requests");
        Assert.Equal(0, withoutKey);
        Assert.Equal(0, seconds.Sum(s => s.Requests.GetValueOrDefault("list").Failed));
        Assert.Equal(runs, seconds.Sum(s => s.Requests.GetValueOrDefault("run").Failed)); // 500 is not the expected 202
        Assert.All(seconds.SelectMany(s => s.Requests.Values.SelectMany(r => r.Latencies)), ms => Assert.InRange(ms, 0.1, 5000));
    }
}
