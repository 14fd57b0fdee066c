using System.Text.Json;
using System.Text.Json.Serialization;

namespace Infra.Stacks.Workers;

/// <summary>
/// Turns typed Kubernetes objects (KubernetesClient models, or our KEDA records) into the plain dictionaries that
/// <c>Cluster.AddManifest</c> takes. CDK tokens inside strings survive: they are plain strings until synthesis.
/// </summary>
public static class Manifests
{
    private static readonly JsonSerializerOptions RecordOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A KubernetesClient model (its own serializer knows the API's field names and formats).</summary>
    public static Dictionary<string, object> FromModel(object model) => FromJson(k8s.KubernetesJson.Serialize(model));

    /// <summary>A small record of ours, camelCase, nulls left out.</summary>
    public static Dictionary<string, object> FromRecord(object record) => FromJson(JsonSerializer.Serialize(record, record.GetType(), RecordOptions));

    private static Dictionary<string, object> FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return (Dictionary<string, object>)Convert(doc.RootElement)!;
    }

    private static object? Convert(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)!),
        JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
