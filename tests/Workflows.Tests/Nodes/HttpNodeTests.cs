using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.Core.Nodes;
using static Workflows.Tests.TestWorkflows;

namespace Workflows.Tests.Nodes;

public class HttpNodeTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private static readonly OutboundHttpPolicy LoopbackAllowed = new() { AllowPrivateNetworks = true };

    private static Task<NodeOutput> Run(HttpNode node, string parameters, string? inputJson = null)
    {
        var n = Node("h", "http", parameters);
        var input = inputJson is null ? null : JsonNode.Parse(inputJson);
        var scope = new Workflows.Core.Expressions.ExpressionScope(input, input, new Dictionary<string, JsonNode?>(), "ex", "wf");
        return node.ExecuteAsync(new NodeContext(n, input, scope, NewExpressions()), Ct);
    }

    [Fact]
    public async Task Gets_json_and_parses_the_body()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed);
        var output = await Run(node, $$"""{"url": "{{server.Url}}/json"}""");

        Assert.Equal(200, output.Data!["status"]!.GetValue<int>());
        Assert.Equal("world", output.Data["body"]!["hello"]!.GetValue<string>());
        Assert.Contains("json", output.Data["headers"]!["content-type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Posts_a_json_body_with_headers_built_from_expressions()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed);
        var output = await Run(node,
            $$$"""{"url": "{{{server.Url}}}/echo", "method": "post", "headers": {"X-Trace": "t-{{ $json.id }}"}, "body": {"id": "{{ $json.id }}"}}""",
            """{"id": 42}""");

        var body = output.Data!["body"]!;
        Assert.Equal("POST", body["method"]!.GetValue<string>());
        Assert.Equal("t-42", body["header"]!.GetValue<string>());
        Assert.Equal("""{"id":42}""", body["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Loopback_and_private_addresses_are_refused_by_default()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(new OutboundHttpPolicy());
        var literal = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "{{server.Url}}/json"}"""));
        Assert.Contains("127.0.0.1", literal.Message);

        // localhost names are loopback by definition: refused before any lookup.
        var port = new Uri(server.Url).Port;
        var local = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "http://localhost:{{port}}/json"}"""));
        Assert.Contains("is loopback", local.Message);
        Assert.Contains("is loopback", (await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "http://localhost.:{{port}}/json"}"""))).Message);
        var dotted = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, """{"url": "http://169.254.169.254./latest/meta-data/"}"""));
        Assert.Contains("169.254.169.254 is private", dotted.Message);

        // Any other name that resolves to such addresses is caught at connect time (DNS rebinding, metadata endpoints):
        // this machine's own name resolves to loopback or a private address wherever these tests run.
        var host = System.Net.Dns.GetHostName();
        var addresses = await System.Net.Dns.GetHostAddressesAsync(host, Ct);
        Assert.SkipWhen(addresses.Any(new OutboundHttpPolicy().IsAddressAllowed), $"this machine's name {host} resolves to a public address");
        var named = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "http://{{host}}:{{port}}/json"}"""));
        Assert.Contains("resolves only to private, loopback or link-local", named.Message);
        Assert.Equal(0, server.Calls);
    }

    [Fact]
    public async Task Every_request_carries_an_idempotency_key_stable_per_execution_and_node()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed);
        async Task<string> KeySent(string extra) =>
            (await Run(node, $$"""{"url": "{{server.Url}}/echo", "method": "POST"{{extra}}}""", """{"order": 7}""")).Data!["body"]!["idempotencyKey"]!.GetValue<string>();

        Assert.Equal("ex:h", await KeySent(""));              // {executionId}:{nodeId}, the same on every attempt
        Assert.Equal("ex:h", await KeySent(""));
        Assert.Equal("order-7", await KeySent(", \"idempotencyKey\": \"order-{{ $json.order }}\""));
        Assert.Equal("ex:h", await KeySent(""", "headers": {"Idempotency-Key": "from-headers"}""")); // the node's key wins
        Assert.Equal("", await KeySent(""", "idempotencyKey": false"""));
    }

    [Theory]
    [InlineData("""{"url": "http://x.example/", "idempotencyKey": ""}""")]
    [InlineData("""{"url": "http://x.example/", "idempotencyKey": true}""")]
    [InlineData("""{"url": "http://x.example/", "idempotencyKey": "line\nbreak"}""")]
    [InlineData("""{"url": "http://x.example/", "idempotencyKey": 5}""")]
    public void A_bad_idempotency_key_is_refused_at_save_time_naming_the_field(string parameters)
    {
        using var node = new HttpNode(new OutboundHttpPolicy());
        var errors = node.Validate(JsonNode.Parse(parameters)!.AsObject(), "nodes[0].parameters").ToList();
        Assert.Contains(errors, e => e.Field == "nodes[0].parameters.idempotencyKey");
    }

    [Fact]
    public async Task Hosts_outside_the_allow_list_are_refused_before_any_connection()
    {
        using var node = new HttpNode(new OutboundHttpPolicy { AllowedHosts = ["api.example.com", "*.trusted.org"] });
        var e = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, """{"url": "https://evil.example.net/x"}"""));
        Assert.Contains("not in the allowed hosts", e.Message);
    }

    [Fact]
    public async Task Client_errors_fail_for_good_and_server_errors_can_be_retried()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed);
        var notFound = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "{{server.Url}}/missing"}"""));
        Assert.Contains("404", notFound.Message);
        var unavailable = await Assert.ThrowsAsync<HttpRequestException>(() => Run(node, $$"""{"url": "{{server.Url}}/broken"}"""));
        Assert.Contains("503", unavailable.Message);

        var tolerated = await Run(node, $$"""{"url": "{{server.Url}}/missing", "failOnError": false}""");
        Assert.Equal(404, tolerated.Data!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Redirects_are_not_followed_and_large_bodies_are_refused()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed with { MaxResponseBytes = 1024 });
        var redirect = await Run(node, $$"""{"url": "{{server.Url}}/redirect"}""");
        Assert.Equal(302, redirect.Data!["status"]!.GetValue<int>());

        var big = await Assert.ThrowsAsync<PermanentNodeException>(() => Run(node, $$"""{"url": "{{server.Url}}/big"}"""));
        Assert.Contains("limit", big.Message);
        var text = await Run(node, $$"""{"url": "{{server.Url}}/text"}""");
        Assert.Equal("plain text", text.Data!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_errors_are_retried_by_the_engine()
    {
        await using var server = await LoopbackServer.StartAsync();
        using var node = new HttpNode(LoopbackAllowed);
        var w = Workflow([Node("h", "http", $$"""{"url": "{{server.Url}}/broken"}""", retry: new RetryPolicy { MaxAttempts = 3, BackoffMs = 1 })]);
        var result = await NewEngine(new NodeRegistry([node])).RunAsync(w, Execution(), Ct);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal(3, result.Nodes[0].Attempts);
        Assert.Equal(3, server.Calls);
    }
}
