using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Core.Domain;

/// <summary>The one JSON shape used on the wire and in storage: camelCase, enums as kebab-case strings.</summary>
public static class WorkflowJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // Stored documents wrap user data (inputs, node outputs) a few levels deep; requests are limited to 32 levels.
            MaxDepth = 256,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        return options;
    }

    public static string NewWorkflowId() => "wf_" + Guid.CreateVersion7().ToString("N");
    public static string NewExecutionId() => "ex_" + Guid.CreateVersion7().ToString("N");
}
