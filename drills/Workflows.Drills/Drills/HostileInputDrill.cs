using Workflows.Harness;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using Workflows.Core.Domain;

namespace Workflows.Drills.Drills;

/// <summary>
/// Malformed and malicious requests against the API with its default guards (SSRF protection on, default limits):
/// missing, forged and read-only keys; oversized, deep, invalid and mistyped bodies; unknown node types and cycles;
/// expressions that loop, recurse or allocate; http nodes aimed at the metadata service, loopback, private and IPv6
/// ranges (as literals, in other notations, through names that resolve to them, and built by expressions at run time);
/// then one key flooding the API while another keeps working. Canary listeners on every address of this machine count
/// any connection an http node makes. Goals: 0 5xx, every refusal a 4xx problem-details body (400s naming the field),
/// 0 connections to private addresses, every SSRF or bomb execution stopped by its guard, the rate limit holds.
/// </summary>
public static class HostileInputDrill
{
    private sealed record Case(string Category, Func<LocalPlatform, HttpRequestMessage> Request, int[] Expected, string? Field = null);

    private sealed record Outcome(Case Case, int Status, string? ContentType, JsonNode? Body);

    public static async Task<DrillReport> RunAsync(int requests)
    {
        var report = new DrillReport("hostile-input");
        await using var canaries = await Canaries.StartAsync();
        await using var platform = await LocalPlatform.StartAsync(report.Drill, new PlatformOptions
        {
            Workers = 1,
            // A limit this drill can exceed from one client; the catalogue below stays under it.
            Api = new() { ["Api:RateLimit:PermitsPerSecond"] = "400", ["Api:RateLimit:Burst"] = "400" },
        });
        var workflowId = await platform.CreateWorkflowAsync(DrillWorkflows.OneNode);
        var cases = Catalogue(workflowId, canaries.Port);
        using var writer = platform.Client(platform.WriteKey);
        using var anonymous = platform.Client(null);

        // Each case goes out requests / cases times; runtime cases create a workflow and execute it.
        var outcomes = new ConcurrentBag<Outcome>();
        var runtimeExecutions = new ConcurrentBag<(string Category, string ExecutionId)>();
        var total = Math.Max(requests, cases.Count);
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask("hostile-input: sending", maxValue: total);
            var pacing = new SemaphoreSlim(8);
            await Task.WhenAll(Enumerable.Range(0, total).Select(async i =>
            {
                await pacing.WaitAsync();
                try
                {
                    var c = cases[i % cases.Count];
                    using var request = c.Request(platform);
                    Outcome outcome;
                    try
                    {
                        using var response = await anonymous.SendAsync(request);
                        outcome = await ReadAsync(c, response);
                    }
                    catch (HttpRequestException)
                    {
                        outcome = new Outcome(c, 0, null, null); // no answer: counted with the 5xx
                    }
                    outcomes.Add(outcome);
                    // A workflow the guards can only judge when it runs: execute it and check the result later.
                    if (outcome.Status == 201 && c.Category.StartsWith("run:", StringComparison.Ordinal))
                    {
                        var id = outcome.Body!["id"]!.GetValue<string>();
                        using var run = await writer.PostAsync($"/api/workflows/{id}/execute", Json("{}"));
                        outcomes.Add(await ReadAsync(c with { Expected = [202] }, run));
                        if (run.StatusCode == HttpStatusCode.Accepted)
                            runtimeExecutions.Add((c.Category, JsonNode.Parse(await run.Content.ReadAsStringAsync())!["executionId"]!.GetValue<string>()));
                    }
                    await Task.Delay(20); // about 400 requests/s with 8 at a time: under the drill's rate limit
                }
                finally
                {
                    pacing.Release();
                    task.Increment(1);
                }
            }));
        });

        // The runtime cases end failed (or timed out), refused by their guard, and nothing reached a canary.
        var ids = runtimeExecutions.Select(r => r.ExecutionId).ToList();
        var (stored, _) = await platform.WaitForTerminalAsync(ids, TimeSpan.FromSeconds(120));
        var notStopped = runtimeExecutions.Where(r => !Stopped(r.Category, stored.GetValueOrDefault(r.ExecutionId))).ToList();

        // Flood: one key far over its rate while another key keeps reading at a modest pace.
        var (floodRefused, floodSent, otherRefused, otherSent) = await FloodAsync(platform);

        var all = outcomes.ToList();
        var fiveHundreds = all.Where(o => o.Status >= 500 || o.Status == 0).ToList();
        var unexpected = all.Where(o => !o.Case.Expected.Contains(o.Status)).ToList();
        // Kestrel refuses an over-long request line (414) or header block (431) before any application code runs:
        // those answers carry no body. Every refusal the service itself makes is a problem-details body.
        var noProblemBody = all.Where(o => o.Status is >= 400 and < 500 and not (414 or 431) && !IsProblem(o)).ToList();
        var fieldNotNamed = all.Where(o => o.Status == 400 && o.Case.Field is { } f && !NamesField(o.Body, f)).ToList();
        var unhandled = platform.UnhandledExceptionLines();
        var alive = platform.Apis.Concat(platform.Workers).All(p => !p.HasExited);

        report.Note("requests sent", all.Count);
        report.Note("request kinds", cases.Count);
        foreach (var group in all.GroupBy(o => o.Status).OrderBy(g => g.Key)) report.Note($"answered {group.Key}", group.Count());
        report.Goal("5xx answers or no answer", fiveHundreds.Count, "0", fiveHundreds.Count == 0);
        report.Goal("answers other than the expected status", unexpected.Count, "0", unexpected.Count == 0);
        report.Goal("4xx answers without a problem-details body (besides Kestrel's 414/431)", noProblemBody.Count, "0", noProblemBody.Count == 0);
        report.Goal("400 answers not naming the bad field", fieldNotNamed.Count, "0", fieldNotNamed.Count == 0);
        report.Note("executions judged at run time (SSRF by name or expression, expression bombs)", ids.Count);
        report.Goal("of those, not stopped by their guard", notStopped.Count, "0", notStopped.Count == 0 && ids.Count > 0);
        report.Goal("connections received by canaries on this machine's addresses", canaries.Connections, "0", canaries.Connections == 0);
        report.Note("canary addresses", string.Join(", ", canaries.Addresses));
        report.Goal("flooding key: requests refused with 429", $"{floodRefused} of {floodSent}", "> 0", floodRefused > 0);
        report.Goal("other key meanwhile: requests refused", $"{otherRefused} of {otherSent}", "0", otherRefused == 0 && otherSent > 0);
        report.Goal("service processes still running", alive ? "all" : "one exited", "all", alive);
        report.Goal("unhandled exceptions in the logs", unhandled.Count, "0", unhandled.Count == 0);

        foreach (var o in unexpected.Concat(noProblemBody).Concat(fieldNotNamed).Concat(fiveHundreds).DistinctBy(o => o.Case.Category).Take(10))
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(o.Case.Category)}[/]: {o.Status} {Markup.Escape(o.Body?.ToJsonString() ?? "")}");
        foreach (var (category, id) in notStopped.Take(10))
            AnsiConsole.MarkupLine($"[yellow]not stopped: {Markup.Escape(category)}[/] {Markup.Escape(stored.GetValueOrDefault(id)?.Error?.Message ?? stored.GetValueOrDefault(id)?.Status.ToWire() ?? "missing")}");
        return report;
    }

    private static bool Stopped(string category, Execution? execution) =>
        execution is { Status: ExecutionStatus.Failed or ExecutionStatus.TimedOut } && category switch
        {
            _ when category.StartsWith("run: ssrf", StringComparison.Ordinal) => execution.Error?.Message.Contains("not allowed", StringComparison.Ordinal) == true,
            _ => execution.Error is not null,
        };

    private static async Task<Outcome> ReadAsync(Case c, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try { body = text.Length > 0 ? JsonNode.Parse(text) : null; } catch (System.Text.Json.JsonException) { }
        return new Outcome(c, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    private static bool IsProblem(Outcome o) =>
        o.ContentType == "application/problem+json" && o.Body?["status"]?.GetValue<int>() == o.Status && o.Body["title"] is not null;

    private static bool NamesField(JsonNode? body, string field) =>
        body?["errors"] is JsonObject errors && errors.Any(e => e.Key.Contains(field, StringComparison.Ordinal));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, HttpContent? content = null) =>
        new HttpRequestMessage(method, path) { Content = content }.WithKey(key);

    private static HttpRequestMessage WithKey(this HttpRequestMessage request, string? key)
    {
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static string OneNode(string type, string parameters) =>
        $$"""{"name": "hostile", "nodes": [{"id": "n", "type": "{{type}}", "parameters": {{parameters}}}]}""";

    private static string Http(string url) => OneNode("http", $$"""{"url": "{{url}}"}""");

    private static List<Case> Catalogue(string workflowId, int port)
    {
        string W(LocalPlatform p) => p.WriteKey;
        List<Case> cases =
        [
            // ---- keys ----
            new("no key", _ => Request(HttpMethod.Get, "/api/workflows", null), [401]),
            new("forged key", _ => Request(HttpMethod.Get, "/api/workflows", "forged-" + Guid.NewGuid()), [401]),
            new("empty key", _ => Request(HttpMethod.Get, "/api/workflows", ""), [401]),
            new("read-only key creates", p => Request(HttpMethod.Post, "/api/workflows", p.ReadKey, Json(DrillWorkflows.OneNode)), [403]),
            new("read-only key executes", p => Request(HttpMethod.Post, $"/api/workflows/{workflowId}/execute", p.ReadKey, Json("{}")), [403]),
            new("read-only key deletes", p => Request(HttpMethod.Delete, $"/api/workflows/{workflowId}", p.ReadKey), [403]),
            new("read-only key cancels", p => Request(HttpMethod.Post, "/api/executions/ex_x/cancel", p.ReadKey), [403]),
            // ---- bodies ----
            // Expect: 100-continue, as a well-behaved client sends a large body: the 413 comes before the body is sent.
            new("oversized body", p => { var r = Request(HttpMethod.Post, "/api/workflows", W(p), Json($$"""{"name": "{{new string('x', 1_200_000)}}"}""")); r.Headers.ExpectContinue = true; return r; }, [413]),
            new("deep JSON", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(new string('[', 5000) + new string(']', 5000))), [400]),
            new("deep JSON in input", p => Request(HttpMethod.Post, $"/api/workflows/{workflowId}/execute", W(p),
                Json("{\"input\": " + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) + "}")), [400]),
            new("invalid JSON", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("{\"name\": ")), [400]),
            new("not JSON", p => Request(HttpMethod.Post, "/api/workflows", W(p), new StringContent("name=x", Encoding.UTF8, "text/plain")), [415]),
            new("empty body", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("")), [400]),
            new("null body", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("null")), [400]),
            new("unknown property", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("""{"name": "x", "nodes": [], "admin": true}""")), [400], "admin"),
            new("unknown node type", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(OneNode("shell", """{"cmd": "rm -rf /"}"""))), [400], "nodes[0].type"),
            new("wrong type", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("""{"name": 5, "nodes": []}""")), [400], "name"),
            new("cycle", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("""
                {"name": "loop", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {}}}, {"id": "b", "type": "set", "parameters": {"values": {}}}],
                 "connections": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}]}
                """)), [400], "connections"),
            new("duplicate node ids", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("""
                {"name": "dup", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {}}}, {"id": "a", "type": "set", "parameters": {"values": {}}}]}
                """)), [400], "nodes[1].id"),
            new("wait beyond its limit", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(OneNode("wait", """{"ms": 1000000000000}"""))), [400], "nodes[0].parameters.ms"),
            new("broken expression", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(OneNode("set", """{"values": {"x": "{{ (( }}"}}"""))), [400], "nodes[0].parameters"),
            new("invalid text", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json("{\"name\": \"\\ud800\", \"nodes\": []}")), [400]),
            // ---- paths and queries ----
            new("limit too large", p => Request(HttpMethod.Get, "/api/workflows?limit=100000", W(p)), [400], "limit"),
            new("negative offset", p => Request(HttpMethod.Get, "/api/workflows?offset=-1", W(p)), [400], "offset"),
            new("bad filter", p => Request(HttpMethod.Get, "/api/workflows?active=maybe", W(p)), [400], "active"),
            new("traversal id", p => Request(HttpMethod.Get, "/api/executions/..%2F..%2Fetc%2Fpasswd", W(p)), [404]),
            new("unknown execution", p => Request(HttpMethod.Get, "/api/executions/ex_does_not_exist", W(p)), [404]),
            new("execute unknown workflow", p => Request(HttpMethod.Post, "/api/workflows/wf_none/execute", W(p), Json("{}")), [404]),
            new("very long id", p => Request(HttpMethod.Get, "/api/executions/" + new string('a', 20_000), W(p)), [414, 404, 400]),
            new("huge header", p => { var r = Request(HttpMethod.Get, "/api/workflows", W(p)); r.Headers.Add("X-Junk", new string('j', 64 * 1024)); return r; }, [431]),
            new("wrong method", p => Request(HttpMethod.Patch, "/api/workflows", W(p), Json("{}")), [405]),
            // ---- SSRF refused when saved: literal addresses in every notation ----
            .. new[]
            {
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://169.254.170.2/v2/credentials", "http://[fd00:ec2::254]/latest/meta-data/",
                $"http://127.0.0.1:{port}/", "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/", "http://0.0.0.0/",
                $"http://[::1]:{port}/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
                "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::]/", "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
                $"http://localhost:{port}/", $"http://localhost.:{port}/", "http://metadata.localhost/", "http://169.254.169.254./latest/meta-data/", "http://192.0.2.2/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL",
                "ftp://10.0.0.1/", "http://user:pass@10.0.0.1/",
            }.Select(url => new Case($"ssrf literal {url}", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(Http(url))), [400], "nodes[0].parameters.url")),
            // ---- judged when they run: names that resolve to private addresses, URLs built by expressions ----
            .. new[]
            {
                $"http://{Dns.GetHostName()}:{port}/",
                "{{ 'http://169.254.169.254/latest/meta-data/' }}", $"{{{{ 'http://127.0.0.1:' + {port} + '/' }}}}", $"{{{{ 'http://[::1]:{port}/' }}}}",
            }.Select(url => new Case($"run: ssrf {url}", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(Http(url))), [201])),
            // ---- expressions that loop, recurse or allocate: saved, then stopped by the sandbox when run ----
            .. new[]
            {
                "{{ (() => { while (true) {} })() }}", "{{ (function f() { return f(); })() }}", "{{ 'x'.repeat(100000000) }}",
                "{{ Array(100000000).fill(1).length }}", "{{ (() => { const a = []; for (;;) a.push(new Array(1000).fill('x')); })() }}",
                "{{ JSON.stringify(Array.from({length: 10000000}, (_, i) => i)) }}",
            }.Select(e => new Case($"run: bomb {e}", p => Request(HttpMethod.Post, "/api/workflows", W(p), Json(OneNode("set", "{\"values\": {\"x\": " + System.Text.Json.JsonSerializer.Serialize(e) + "}}"))), [201])),
        ];
        return cases;
    }

    private static async Task<(int FloodRefused, int FloodSent, int OtherRefused, int OtherSent)> FloodAsync(LocalPlatform platform)
    {
        using var flooder = platform.Client(platform.WriteKey);
        using var other = platform.Client(platform.ReadKey);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        int floodRefused = 0, floodSent = 0, otherRefused = 0, otherSent = 0;
        var flood = Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var r = await flooder.GetAsync("/api/workflows?limit=1", CancellationToken.None);
                Interlocked.Increment(ref floodSent);
                if (r.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.Increment(ref floodRefused);
            }
        }));
        var steady = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var r = await other.GetAsync("/api/workflows?limit=1", CancellationToken.None);
                otherSent++;
                if (!r.IsSuccessStatusCode) otherRefused++;
                await Task.Delay(50, CancellationToken.None);
            }
        });
        await Task.WhenAll(flood, steady);
        return (floodRefused, floodSent, otherRefused, otherSent);
    }

    /// <summary>TCP listeners on one port on every address of this machine: any connection an http node makes shows here.</summary>
    private sealed class Canaries : IAsyncDisposable
    {
        private readonly List<TcpListener> _listeners = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public int Port { get; private set; }
        public int Connections => _connections;
        public List<string> Addresses { get; } = [];

        public static async Task<Canaries> StartAsync()
        {
            var canaries = new Canaries { Port = Harness.FreePort.Next() };
            var addresses = (await Dns.GetHostAddressesAsync(Dns.GetHostName())).Concat([IPAddress.Loopback, IPAddress.IPv6Loopback]).Distinct();
            foreach (var address in addresses)
            {
                try
                {
                    var listener = new TcpListener(address, canaries.Port);
                    listener.Start();
                    canaries._listeners.Add(listener);
                    canaries.Addresses.Add(address.ToString());
                    _ = canaries.AcceptAsync(listener);
                }
                catch (SocketException) { /* an address this process cannot bind (scope-less link-local): skip */ }
            }
            return canaries;
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            foreach (var l in _listeners) l.Stop();
            _stop.Dispose();
        }
    }
}
