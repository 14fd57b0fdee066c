using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Workflows.Core.Domain;

namespace Workflows.IntegrationTests.Infrastructure;

/// <summary>
/// The real service (Program.cs, the whole ASP.NET pipeline) in memory, with a temp SQLite folder and two API
/// keys. Extra settings switch mode, role, Redis and limits, exactly as environment variables would.
/// </summary>
public sealed class ServiceFactory(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public const string WriteKey = "test-write-key";
    public const string ReadKey = "test-read-key";

    private readonly TempDirectory _data = new(); // unless the settings name their own Storage:DataDirectory

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        var all = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = settings?.GetValueOrDefault("Storage:DataDirectory") ?? _data.Path,
            ["Auth:ApiKeys:0:Name"] = "writer",
            ["Auth:ApiKeys:0:Sha256"] = Hash(WriteKey),
            ["Auth:ApiKeys:0:Scopes:0"] = "read",
            ["Auth:ApiKeys:0:Scopes:1"] = "write",
            ["Auth:ApiKeys:1:Name"] = "reader",
            ["Auth:ApiKeys:1:Sha256"] = Hash(ReadKey),
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        foreach (var (k, v) in all) builder.UseSetting(k, v);
    }

    public HttpClient Client(string? key = WriteKey)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    public const string DoublingWorkflow = """
        {"name": "double", "active": true,
         "nodes": [{"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ $input.n * 2 }}"}}}]}
        """;

    public static string WaitingWorkflow(int ms) =>
        """{"name": "slow", "nodes": [{"id": "w", "type": "wait", "parameters": {"ms": MS}}]}""".Replace("MS", ms.ToString());

    public static async Task<Workflow> CreateWorkflowAsync(HttpClient client, string json)
    {
        var response = await client.PostAsync("/api/workflows", JsonBody(json));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Workflow>(WorkflowJson.Options))!;
    }

    /// <summary>Polls an execution until it reaches a terminal state (or the deadline).</summary>
    public static async Task<Execution> WaitForTerminalAsync(HttpClient client, string executionId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var execution = (await client.GetFromJsonAsync<Execution>($"/api/executions/{executionId}", WorkflowJson.Options))!;
            if (execution.Status.IsTerminal()) return execution;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Execution {executionId} is still {execution.Status}.");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }
}
