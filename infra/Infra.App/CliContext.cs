using System.Text.Json;

namespace Infra.App;

/// <summary>
/// The CDK CLI hands `-c key=value` to the app in CDK_CONTEXT_JSON. The environment is read from it before the
/// App exists, because the App's own context must already hold what the chosen environments need.
/// </summary>
public static class CliContext
{
    public static string? Environment()
    {
        var json = System.Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON");
        if (string.IsNullOrWhiteSpace(json)) return null;
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.String ? env.GetString() : null;
    }
}
