using Workflows.Core.Ports;

namespace Workflows.Service.Api;

/// <summary>Query-string parsing that names the parameter that was wrong.</summary>
internal static class Query
{
    public static PageRequest Paging(HttpRequest request, Dictionary<string, string[]> errors)
    {
        var limit = Integer(request, "limit", PageRequest.DefaultLimit, 1, PageRequest.MaxLimit, errors);
        var offset = Integer(request, "offset", 0, 0, 1_000_000, errors);
        return new PageRequest(limit, offset);
    }

    private static int Integer(HttpRequest request, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!request.Query.TryGetValue(name, out var raw)) return fallback;
        if (int.TryParse(raw, out var value) && value >= min && value <= max) return value;
        errors[name] = [$"'{raw}' is not an integer from {min} to {max}"];
        return fallback;
    }
}
