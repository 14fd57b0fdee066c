namespace Workflows.Service.OperatorConsole;

public static class ConsoleEndpoints
{
    /// <summary>The page may load only its own scripts and styles and talk only to this origin: it sends nothing elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// <c>/console</c>: the operator console (no key needed to load it; every API call it makes carries the key the
    /// operator enters). <c>/static/console/{version}/{file}</c>: its assets, cached for a year.
    /// </summary>
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var assets = app.ServiceProvider.GetRequiredService<ConsoleAssets>();
        IResult Page(HttpContext http)
        {
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            return Results.Content(assets.Page, "text/html; charset=utf-8");
        }
        app.MapGet("/console", Page).AllowAnonymous().ExcludeFromDescription(); // routing matches /console/ too
        app.MapGet("/static/console/{version}/{file}", (string version, string file, HttpContext http) =>
        {
            // An old version's URL is gone rather than answered with new bytes that a cache would keep under it.
            if (version != assets.Version || !assets.Files.TryGetValue(file, out var asset)) return Results.NotFound();
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(asset.Bytes, asset.ContentType);
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
