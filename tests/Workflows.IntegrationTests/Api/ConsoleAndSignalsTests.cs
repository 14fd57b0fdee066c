using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Api;

/// <summary>
/// The console's HTTP contract (its browser tests are in Workflows.Console.Tests): a page that is never cached and
/// may talk only to its own origin, assets under a content version cached for a year, and /api/signals.
/// </summary>
public sealed class ConsoleAndSignalsTests : IAsyncLifetime
{
    private readonly ServiceFactory _factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task The_page_is_never_cached_restricts_itself_to_this_origin_and_names_versioned_assets()
    {
        var anonymous = _factory.Client(key: null);
        var page = await anonymous.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.True(page.Headers.CacheControl!.NoCache);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);

        var html = await page.Content.ReadAsStringAsync();
        var assets = Regex.Matches(html, @"/static/console/([0-9a-f]{12})/(console\.(js|css))").Select(m => m.Value).ToList();
        Assert.Equal(2, assets.Count);
        foreach (var asset in assets)
        {
            var response = await anonymous.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl!.MaxAge);
            Assert.True(response.Headers.CacheControl.Public);
            Assert.Contains("immutable", response.Headers.CacheControl.ToString());
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 500);
        }
        // Another version's URL is gone, so no cache can keep new bytes under an old name.
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/static/console/000000000000/console.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(assets[0].Replace("console.js", "other.js").Replace("console.css", "other.css"))).StatusCode);
    }

    [Fact]
    public async Task Signals_need_a_key_and_show_executions_responses_and_cache_reads_in_5_second_slices()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.Client(key: null).GetAsync("/api/signals")).StatusCode);
        var client = _factory.Client(ReadKey);
        var writer = _factory.Client();
        var workflow = await CreateWorkflowAsync(writer, DoublingWorkflow);
        for (var i = 0; i < 3; i++)
        {
            var accepted = await (await writer.PostAsync($"/api/workflows/{workflow.Id}/execute", JsonBody("""{"input": {"n": 1}}"""))).Content.ReadFromJsonAsync<JsonObject>();
            await WaitForTerminalAsync(writer, accepted!["executionId"]!.GetValue<string>());
        }
        await client.GetAsync($"/api/workflows/{workflow.Id}");

        var response = await client.GetAsync("/api/signals");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var signals = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(5, signals["sliceSeconds"]!.GetValue<int>());
        Assert.Equal(0, signals["queueLength"]!.GetValue<long>()); // every execution has finished
        var slices = signals["slices"]!.AsArray();
        Assert.Equal(60, slices.Count);
        var starts = slices.Select(s => DateTimeOffset.Parse(s!["start"]!.GetValue<string>())).ToList();
        Assert.Equal(starts.Order(), starts);
        Assert.True(DateTimeOffset.UtcNow - starts[^1] < TimeSpan.FromSeconds(10));
        Assert.Equal(3, slices.Sum(s => s!["executions"]!.AsObject().Sum(e => e.Value!.GetValue<long>())));
        Assert.Equal(3, slices.Sum(s => s!["executions"]!["succeeded"]?.GetValue<long>() ?? 0));
        Assert.True(slices.Sum(s => s!["responses"]!.GetValue<long>()) >= 7); // create, 3 executes, polls, the get
        Assert.Contains(slices, s => s!["p95Milliseconds"] is JsonValue v && v.GetValue<double>() >= 0);
        Assert.True(slices.Sum(s => s!["cacheHits"]!.GetValue<long>() + s!["cacheMisses"]!.GetValue<long>()) >= 1);
    }
}
