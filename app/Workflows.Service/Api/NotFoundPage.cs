namespace Workflows.Service.Api;

/// <summary>
/// <c>/404.html</c>, which CloudFront fetches for its custom 404 response (stacks/*.yaml edge.notFoundPagePath).
/// Served with 200 so CloudFront can cache it; CloudFront answers viewers with 404.
/// </summary>
public static class NotFoundPage
{
    private const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
        <body><h1>Not found</h1><p>Nothing is here. The API lives under <code>/api</code>; its description is at <code>/openapi/v1.json</code>.</p></body></html>
        """;

    public static IEndpointRouteBuilder MapNotFoundPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/404.html", () => Results.Content(Html, "text/html; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
