using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.LoadTest.Tests;

/// <summary>
/// The local platform as a user runs it: `loadtest/local.sh up` (on free ports, in its own state folder), work through
/// nginx, one API process killed while requests keep coming, `down`; and a taken port refused by name.
/// </summary>
public sealed class LocalPlatformTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("local-platform-").FullName;
    private readonly Dictionary<string, int> _ports = new()
    {
        ["nginx-port"] = Free(), ["api-base-port"] = Free(3), ["worker-base-port"] = Free(2),
        ["queue-redis-port"] = Free(), ["cache-redis-port"] = Free(), ["signals-port"] = Free(),
    };
    private readonly int _dashboard = Free(3);

    private static int Free(int consecutive = 1)
    {
        // A run of consecutive free ports (API processes take base, base + 1, …).
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(start, consecutive).All(IsFree)) return start;
        }
        throw new InvalidOperationException("no free ports");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }

    private async Task<(int Code, string Output)> Local(params string[] args)
    {
        var info = new ProcessStartInfo(Repository.File("loadtest", "local.sh"), args)
        {
            WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        info.Environment["LOCAL_STATE"] = _state;
        info.Environment["LOCAL_DASHBOARD_PORT"] = _dashboard.ToString();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private string[] PortArgs() => _ports.SelectMany(p => new[] { $"--{p.Key}", p.Value.ToString() }).ToArray();

    [Fact]
    public async Task Up_serves_through_nginx_survives_a_killed_api_process_and_goes_down()
    {
        var (up, upOutput) = await Local(["up", .. PortArgs()]);
        try
        {
            Assert.True(up == 0, upOutput);
            Assert.Contains($"up: http://127.0.0.1:{_ports["nginx-port"]}", upOutput);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_ports["nginx-port"]}"), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add("X-Api-Key", File.ReadAllText(Path.Combine(_state, "api-key")));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

            var created = await http.PostAsync("/api/workflows", new StringContent(
                """{"name": "local", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {"x": 1}}}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
            async Task<HttpStatusCode> Execute() => (await http.PostAsync($"/api/workflows/{id}/execute", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode;
            for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.Accepted, await Execute());

            // Kill one API process: nginx moves requests whose connection is refused to the other two.
            var api = Pid(_ports["api-base-port"]);
            Process.GetProcessById(api).Kill();
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 60; i++)
            {
                statuses.Add((await http.GetAsync("/api/workflows")).StatusCode);
                statuses.Add(await Execute());
            }
            Assert.True(statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.Accepted) >= 119, string.Join(",", statuses.GroupBy(s => s).Select(g => $"{g.Key}={g.Count()}")));

            // Every accepted execution ran (the workers share the store with the APIs).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonArray items;
            do
            {
                await Task.Delay(500);
                items = JsonNode.Parse(await http.GetStringAsync($"/api/workflows/{id}/executions?limit=100"))!["items"]!.AsArray();
            } while (items.Any(e => e!["status"]!.GetValue<string>() != "succeeded") && DateTime.UtcNow < deadline);
            Assert.All(items, e => Assert.Equal("succeeded", e!["status"]!.GetValue<string>()));
            Assert.True(File.Exists(Path.Combine(_state, "logs", "worker-1.log")));
        }
        finally
        {
            var (down, downOutput) = await Local("down");
            Assert.True(down == 0, downOutput);
        }
        Assert.All(_ports.Values, port => Assert.True(IsFree(port), $"port {port} is still taken after down"));
    }

    [Fact]
    public async Task A_taken_port_is_refused_naming_it()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _ports["queue-redis-port"]);
        squatter.Start();
        var (code, output) = await Local(["up", .. PortArgs()]);
        if (code == 0) await Local("down");
        Assert.NotEqual(0, code);
        Assert.Contains($"port {_ports["queue-redis-port"]} (redis-queue) is taken", output);
    }

    /// <summary>The process listening on a loopback port, from its ASPNETCORE_URLS.</summary>
    private static int Pid(int port)
    {
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Contains($"ASPNETCORE_URLS=http://127.0.0.1:{port}\0") || environ.EndsWith($"ASPNETCORE_URLS=http://127.0.0.1:{port}"))
                    return int.Parse(Path.GetFileName(dir));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no process listens on {port}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
