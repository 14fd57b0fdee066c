using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Workflows.Drills;

/// <summary>
/// The downstream service a workflow's http node calls, on loopback: records each call's Idempotency-Key and the
/// execution it came from, so a drill can count repeated calls and check that a retry is recognisable.
/// </summary>
public sealed class DownstreamSink : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DownstreamSink(WebApplication app) => _app = app;

    public ConcurrentQueue<(string? Key, string? Execution)> Calls { get; } = new();
    public string Url => _app.Urls.First() + "/hook";

    public static async Task<DownstreamSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new DownstreamSink(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            sink.Calls.Enqueue((request.Headers["Idempotency-Key"].FirstOrDefault(), body?["execution"]?.GetValue<string>()));
            return Results.Ok();
        });
        await app.StartAsync();
        return sink;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
