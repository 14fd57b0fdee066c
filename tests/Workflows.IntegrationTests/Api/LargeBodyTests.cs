using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Api;

/// <summary>
/// Bodies the server receives in several buffer segments (the request pipe's segments are 4 KB): read whole, checked
/// against the limit, and their errors still name the path inside the document.
/// </summary>
public sealed class LargeBodyTests : IAsyncLifetime
{
    private readonly ServiceFactory _factory = new(new Dictionary<string, string?> { ["Api:MaxRequestBodyBytes"] = "200000" });
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _factory.Client();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static string Workflow(string text, string tail = "]}") =>
        "{\"name\": \"big\", \"nodes\": [{\"id\": \"a\", \"type\": \"set\", \"parameters\": {\"values\": {\"v\": \"" + text + "\"}}}" + tail;

    [Fact]
    public async Task A_100_kb_workflow_is_stored_whole()
    {
        var text = string.Concat(Enumerable.Range(0, 10_000).Select(i => $"{i % 10}abcdefghi"))[..100_000];
        var created = await _client.PostAsync("/api/workflows", JsonBody(Workflow(text)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var stored = await _client.GetFromJsonAsync<JsonObject>($"/api/workflows/{id}");
        Assert.Equal(text, stored!["nodes"]![0]!["parameters"]!["values"]!["v"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_error_after_100_kb_names_its_path()
    {
        var response = await _client.PostAsync("/api/workflows", JsonBody(Workflow(new string('x', 100_000), tail: ", {\"id\": 5}]}")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("$.nodes[1].id"), $"expected an error for '$.nodes[1].id', got: {errors.ToJsonString()}");
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_nothing_is_stored()
    {
        var response = await _client.PostAsync("/api/workflows", JsonBody(Workflow(new string('x', 250_000))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Api:MaxRequestBodyBytes", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Empty((await _client.GetFromJsonAsync<JsonObject>("/api/workflows"))!["items"]!.AsArray());
    }
}
