using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Api;

/// <summary>The HTTP API through the real pipeline, in the default local set-up (in-process queue, SQLite).</summary>
public sealed class WorkflowApiTests : IAsyncLifetime
{
    private readonly ServiceFactory _factory = new(new Dictionary<string, string?> { ["Api:MaxRequestBodyBytes"] = "4096" });
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _factory.Client();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    [Fact]
    public async Task Health_needs_no_key_and_readiness_checks_the_store()
    {
        var anonymous = _factory.Client(key: null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
        var ready = await anonymous.GetFromJsonAsync<JsonObject>("/api/health/ready");
        Assert.Equal("healthy", ready!["checks"]!["store"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_not_found_page_cloudfront_fetches_is_served()
    {
        var page = await _factory.Client(key: null).GetAsync("/404.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var doc = await _factory.Client(key: null).GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = doc!["paths"]!.AsObject();
        Assert.Contains("/api/workflows/{id}/execute", paths.Select(p => p.Key));
        Assert.Contains("/api/executions/{id}", paths.Select(p => p.Key));
    }

    [Fact]
    public async Task Create_read_update_delete_with_optimistic_concurrency()
    {
        var created = await CreateWorkflowAsync(_client, DoublingWorkflow);
        Assert.Equal(("double", "writer", 1L), (created.Name, created.Owner, created.Version));

        var read = await _client.GetFromJsonAsync<Workflow>($"/api/workflows/{created.Id}", WorkflowJson.Options);
        Assert.Equal(created.Id, read!.Id);

        var update = DoublingWorkflow.Replace("\"double\"", "\"renamed\"").Replace("{\"name\"", "{\"version\": 1, \"name\"");
        var updated = await _client.PutAsync($"/api/workflows/{created.Id}", JsonBody(update));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync<Workflow>(WorkflowJson.Options))!.Version);

        var stale = await _client.PutAsync($"/api/workflows/{created.Id}", JsonBody(update));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("version 2", (await ProblemAsync(stale))["detail"]!.GetValue<string>());

        var noVersion = await _client.PutAsync($"/api/workflows/{created.Id}", JsonBody(DoublingWorkflow));
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.NotNull((await ProblemAsync(noVersion))["errors"]!["version"]);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/api/workflows/{created.Id}")).StatusCode);
        var gone = await _client.GetAsync($"/api/workflows/{created.Id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains(created.Id, (await ProblemAsync(gone))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Listing_filters_and_pages()
    {
        await CreateWorkflowAsync(_client, """{"name": "report-a", "owner": "team-x", "active": true, "nodes": [{"id": "s", "type": "set", "parameters": {"values": {}}}]}""");
        await CreateWorkflowAsync(_client, """{"name": "report-b", "owner": "team-y", "active": false, "nodes": [{"id": "s", "type": "set", "parameters": {"values": {}}}]}""");
        await CreateWorkflowAsync(_client, """{"name": "sync", "owner": "team-x", "active": true, "nodes": [{"id": "s", "type": "set", "parameters": {"values": {}}}]}""");

        async Task<string[]> Names(string query) =>
            (await _client.GetFromJsonAsync<JsonObject>("/api/workflows" + query))!["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToArray();

        Assert.Equal(["sync", "report-b", "report-a"], await Names(""));
        Assert.Equal(["report-a"], await Names("?name=report&active=true"));
        Assert.Equal(["sync", "report-a"], await Names("?owner=team-x"));
        var page = await _client.GetFromJsonAsync<JsonObject>("/api/workflows?limit=2&offset=0");
        Assert.True(page!["hasMore"]!.GetValue<bool>());

        var bad = await _client.GetAsync("/api/workflows?limit=1000&active=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await ProblemAsync(bad))["errors"]!.AsObject();
        Assert.Contains("limit", errors.Select(e => e.Key));
        Assert.Contains("active", errors.Select(e => e.Key));
    }

    [Theory]
    [InlineData("""{"name": "x", "nodes": [{"id": "a", "type": "smtp"}]}""", "nodes[0].type", "unknown node type 'smtp'")]
    [InlineData("""{"name": "x", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {}}}], "connections": [{"from": "a", "to": "b"}]}""", "connections[0].to", "no node has id 'b'")]
    [InlineData("""{"name": "x", "nodes": [{"id": "a", "type": "set", "typo": 1}]}""", "$.nodes[0].typo", "could not be mapped")]
    [InlineData("""{"name": "x", "nodes": [{"id": "a"}]}""", "$.nodes[0]", "missing required properties")]
    [InlineData("""{"name": 5}""", "$.name", "could not be converted")]
    [InlineData("""{"name": "x", "nodes": [""", "$.nodes[0]", "open JSON object or array")]
    [InlineData("""{"name": "x", "version": 3, "nodes": [{"id": "a", "type": "set", "parameters": {"values": {}}}]}""", "version", "assigned by the server")]
    [InlineData("""{"name": "x", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {"v": "\ud800"}}}]}""", "$.nodes[0].parameters.values.v", "Invalid text")]
    public async Task Bad_documents_get_400_naming_the_field_and_store_nothing(string body, string field, string message)
    {
        var response = await _client.PostAsync("/api/workflows", JsonBody(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ProblemAsync(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.Contains(message, string.Join(" ", errors[field]!.AsArray().Select(m => m!.GetValue<string>())));
        Assert.Empty((await _client.GetFromJsonAsync<JsonObject>("/api/workflows"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Input_nested_deeper_than_the_limit_is_refused()
    {
        var workflow = await CreateWorkflowAsync(_client, DoublingWorkflow);
        var deep = new string('[', 40) + new string(']', 40);
        var response = await _client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody($$"""{"input": {{deep}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("depth", (await ProblemAsync(response)).ToJsonString());
        Assert.Empty((await _client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow.Id}/executions"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Oversized_and_non_json_bodies_are_refused()
    {
        var big = """{"name": "x", "nodes": [{"id": "a", "type": "set", "parameters": {"values": {"pad": "PAD"}}}]}""".Replace("PAD", new string('x', 5000));
        var tooLarge = await _client.PostAsync("/api/workflows", JsonBody(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("4096", (await ProblemAsync(tooLarge))["detail"]!.GetValue<string>());

        var text = await _client.PostAsync("/api/workflows", new StringContent("name=x"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Empty((await _client.GetFromJsonAsync<JsonObject>("/api/workflows"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Keys_and_scopes_are_enforced()
    {
        var created = await CreateWorkflowAsync(_client, DoublingWorkflow);

        var none = await _factory.Client(key: null).PostAsync("/api/workflows", JsonBody(DoublingWorkflow));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("X-Api-Key", (await ProblemAsync(none))["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.Client("wrong").GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.Client(key: null).GetAsync("/api/workflows")).StatusCode);

        var reader = _factory.Client(ReadKey);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/workflows/{created.Id}")).StatusCode);
        var forbidden = await reader.PostAsync($"/api/workflows/{created.Id}/execute", JsonBody("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        await ProblemAsync(forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/api/workflows/{created.Id}")).StatusCode);
    }

    [Fact]
    public async Task The_list_carries_an_etag_that_answers_304_until_a_write_changes_it()
    {
        await CreateWorkflowAsync(_client, DoublingWorkflow);
        var first = await _client.GetAsync("/api/workflows?limit=10");
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        Assert.Single(JsonNode.Parse(await first.Content.ReadAsStringAsync())!["items"]!.AsArray());

        // Same bytes, same tag; a client holding them gets 304 with no body.
        var again = await _client.GetAsync("/api/workflows?limit=10");
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/workflows?limit=10");
        conditional.Headers.IfNoneMatch.Add(etag!);
        var notModified = await _client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        // Another query is another page with its own tag.
        Assert.NotEqual(etag, (await _client.GetAsync("/api/workflows?limit=5")).Headers.ETag);

        // A write drops the rendered pages: the next list holds the new workflow and a new tag, and the old tag gets 200.
        await CreateWorkflowAsync(_client, DoublingWorkflow);
        var stale = new HttpRequestMessage(HttpMethod.Get, "/api/workflows?limit=10");
        stale.Headers.IfNoneMatch.Add(etag!);
        var after = await _client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(etag, after.Headers.ETag);
        Assert.Equal(2, JsonNode.Parse(await after.Content.ReadAsStringAsync())!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Execute_answers_202_and_the_execution_finishes()
    {
        var workflow = await CreateWorkflowAsync(_client, DoublingWorkflow);
        var response = await _client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 21}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonObject>();
        var id = accepted!["executionId"]!.GetValue<string>();
        Assert.Equal($"/api/executions/{id}", response.Headers.Location!.ToString());
        Assert.Equal($"/api/executions/{id}", accepted["url"]!.GetValue<string>());

        var execution = await WaitForTerminalAsync(_client, id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(42, execution.Output!["doubled"]!.GetValue<double>());
        Assert.Equal(1, execution.Attempts);
        Assert.NotNull(execution.StartedAt);
        Assert.NotNull(execution.FinishedAt);
        Assert.Single(execution.Nodes);

        var second = await (await _client.PostAsync($"/api/workflows/{workflow.Id}/execute", null)).Content.ReadFromJsonAsync<JsonObject>();
        var list = await _client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow.Id}/executions");
        Assert.Equal([second!["executionId"]!.GetValue<string>(), id], list!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task Unknown_ids_get_404_and_bad_execute_bodies_get_400()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/workflows/wf_nope/execute", JsonBody("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/executions/ex_nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/workflows/wf_nope/executions")).StatusCode);

        var workflow = await CreateWorkflowAsync(_client, DoublingWorkflow);
        var bad = await _client.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"inptu": 1}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await ProblemAsync(bad))["errors"]!.AsObject().ContainsKey("$.inptu"));
        Assert.Empty((await _client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflow.Id}/executions"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task A_running_execution_can_be_canceled_once()
    {
        var workflow = await CreateWorkflowAsync(_client, WaitingWorkflow(10_000));
        var accepted = await (await _client.PostAsync($"/api/workflows/{workflow.Id}/execute", null)).Content.ReadFromJsonAsync<JsonObject>();
        var id = accepted!["executionId"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await _client.GetFromJsonAsync<Execution>($"/api/executions/{id}", WorkflowJson.Options))!.Status != ExecutionStatus.Running)
        {
            Assert.True(DateTime.UtcNow < deadline, "the execution never started");
            await Task.Delay(20);
        }

        var cancel = await _client.PostAsync($"/api/executions/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var execution = await WaitForTerminalAsync(_client, id);
        Assert.Equal(ExecutionStatus.Canceled, execution.Status);
        Assert.Equal(1, execution.Attempts); // what the worker recorded is kept
        Assert.NotNull(execution.StartedAt);
        await Task.Delay(200); // the worker's own (conditional) write must not replace it
        Assert.Equal(ExecutionStatus.Canceled, (await _client.GetFromJsonAsync<Execution>($"/api/executions/{id}", WorkflowJson.Options))!.Status);

        var again = await _client.PostAsync($"/api/executions/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
