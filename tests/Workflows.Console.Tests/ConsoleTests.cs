using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Console.Tests;

/// <summary>
/// What an operator does in the console, in a real browser against the real service: enter a key, create a
/// workflow, run it and watch it succeed node by node, see a validation error inline, be refused a write with a
/// read-only key, and watch the scaling signals move. The page talks to no other origin.
/// </summary>
public sealed class ConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private const string TwoNodes = """
        {
          "name": "console-demo",
          "active": true,
          "nodes": [
            {"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ $input.n * 2 }}"}}},
            {"id": "label", "type": "set", "parameters": {"values": {"text": "{{ 'doubled: ' + $json.doubled }}"}}}
          ],
          "connections": [{"from": "calc", "to": "label"}]
        }
        """;

    /// <summary>Every request the page made to another origin: the console must send nothing anywhere else.</summary>
    private readonly List<string> _foreign = [];

    private async Task<IPage> OpenWithKeyAsync(string key)
    {
        var page = await fixture.NewPageAsync();
        page.Request += (_, request) => { if (!request.Url.StartsWith(fixture.Service.BaseUrl, StringComparison.Ordinal)) _foreign.Add(request.Url); };
        await page.GotoAsync($"{fixture.Service.BaseUrl}/console");
        await page.FillAsync("#key", key);
        await page.ClickAsync("#key-form button[type=submit]");
        await Expect(page.Locator("#key-status")).ToHaveTextAsync("Key accepted");
        return page;
    }

    private static async Task CreateAsync(IPage page, string definition)
    {
        if (!await page.Locator("#create").EvaluateAsync<bool>("details => details.open")) await page.ClickAsync("#create summary");
        await page.FillAsync("#definition", definition);
        await page.ClickAsync("#create-form button[type=submit]");
    }

    [Fact]
    public async Task An_operator_creates_a_workflow_runs_it_and_watches_each_node_succeed()
    {
        var page = await OpenWithKeyAsync(ConsoleFixture.WriteKey);
        await CreateAsync(page, TwoNodes);
        await Expect(page.Locator("#run-name")).ToHaveTextAsync("console-demo");
        await Expect(page.Locator("#workflow-list tbody tr.selected")).ToContainTextAsync("console-demo");

        await page.FillAsync("#input", """{"n": 21}""");
        await page.ClickAsync("#run-form button[type=submit]");
        await Expect(page.Locator("#execution-status")).ToHaveTextAsync("succeeded");
        var nodes = page.Locator("#node-results tbody tr");
        await Expect(nodes).ToHaveCountAsync(2);
        await Expect(nodes.Nth(0)).ToContainTextAsync("calc");
        await Expect(nodes.Nth(0).Locator(".status")).ToHaveTextAsync("succeeded");
        await Expect(nodes.Nth(1).Locator("pre")).ToContainTextAsync("doubled: 42");
        await Expect(page.Locator("#execution-list tbody tr").First.Locator(".status")).ToHaveTextAsync("succeeded");

        // The signals panel: within a poll (5 s) the executions/s line rises above its baseline for the run's slice.
        await page.WaitForFunctionAsync(
            "() => (document.querySelector('#chart-rate polyline')?.getAttribute('points') ?? '').split(' ').some(p => parseFloat(p.split(',')[1]) < 50)",
            null, new() { Timeout = 12_000 });
        await Expect(page.Locator("#chart-p95 [data-value]")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(page.Locator("#chart-queue [data-value]")).ToHaveTextAsync("0"); // the run has finished

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("console.png"), FullPage = true });
        await page.CloseAsync();
        Assert.Empty(_foreign);
    }

    [Fact]
    public async Task A_validation_error_is_shown_inline_under_its_field()
    {
        var page = await OpenWithKeyAsync(ConsoleFixture.WriteKey);
        await CreateAsync(page, """{"name": "broken", "nodes": [{"id": "a", "type": "teleport", "parameters": {}}]}""");
        var errors = page.Locator("#create-errors");
        await Expect(errors).ToContainTextAsync("(400)");
        await Expect(errors.Locator("li code")).ToHaveTextAsync("nodes[0].type");
        await Expect(errors.Locator("li")).ToContainTextAsync("teleport");

        await CreateAsync(page, "{ not json");
        await Expect(errors).ToContainTextAsync("Not JSON");
        await page.CloseAsync();
        Assert.Empty(_foreign);
    }

    [Fact]
    public async Task A_read_only_key_sees_the_workflows_and_is_refused_a_write_with_the_reason()
    {
        var page = await OpenWithKeyAsync(ConsoleFixture.ReadKey);
        await CreateAsync(page, TwoNodes.Replace("console-demo", "not-allowed"));
        await Expect(page.Locator("#create-errors")).ToContainTextAsync("Refused: this API key may not create workflows (it needs the write scope).");
        await Expect(page.Locator("#workflow-list")).Not.ToContainTextAsync("not-allowed");
        await page.CloseAsync();
        Assert.Empty(_foreign);
    }

    [Fact]
    public async Task A_wrong_key_is_reported_and_the_key_lives_only_in_this_tab()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"{fixture.Service.BaseUrl}/console");
        await page.FillAsync("#key", "not-a-key");
        await page.ClickAsync("#key-form button[type=submit]");
        await Expect(page.Locator("#key-status")).ToHaveTextAsync("This key is not valid.");
        Assert.Equal("not-a-key", await page.EvaluateAsync<string>("sessionStorage.getItem('workflows.apiKey')"));
        Assert.Null(await page.EvaluateAsync<string?>("localStorage.getItem('workflows.apiKey')"));
        Assert.Empty(await page.Context.CookiesAsync());
        await page.ClickAsync("#forget");
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('workflows.apiKey')"));
        await page.CloseAsync();
        Assert.Empty(_foreign);
    }

    /// <summary>Screenshots go to the test output; with UPDATE_SCREENSHOTS=1 also to docs/images (the README's).</summary>
    private static string Screenshot(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name);
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "Infra.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no repository root above the test output");
            path = Path.Combine(root, "docs", "images", name);
        }
        return path;
    }
}
