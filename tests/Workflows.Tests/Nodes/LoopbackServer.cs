using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Workflows.Tests.Nodes;

/// <summary>A real Kestrel server on 127.0.0.1 and a free port, for the http node's tests.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public int Calls;

    private LoopbackServer(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public static async Task<LoopbackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Use(async (ctx, next) => { Interlocked.Increment(ref server.Calls); await next(ctx); });
        app.MapGet("/json", () => Results.Json(new { hello = "world", n = 3 }));
        app.MapPost("/echo", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            return Results.Json(new
            {
                method = r.Method, header = r.Headers["X-Trace"].ToString(), idempotencyKey = r.Headers["Idempotency-Key"].ToString(),
                body = await reader.ReadToEndAsync(),
            });
        });
        app.MapGet("/text", () => Results.Text("plain text", "text/plain"));
        app.MapGet("/missing", () => Results.NotFound());
        app.MapGet("/broken", () => Results.StatusCode(503));
        app.MapGet("/big", () => Results.Text(new string('x', 64 * 1024), "text/plain"));
        app.MapGet("/redirect", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
