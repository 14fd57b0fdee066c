using System.Text.Json;
using System.Text.Json.Nodes;

namespace Infra.Templates;

/// <summary>Helpers over a synthesized template's JSON.</summary>
public static class TemplateJson
{
    /// <summary>The resources of a type, with their logical ids.</summary>
    public static IEnumerable<(string LogicalId, JsonObject Resource)> OfType(JsonObject resources, string type) =>
        resources.Where(r => r.Value!["Type"]!.GetValue<string>() == type).Select(r => (r.Key, r.Value!.AsObject()));

    /// <summary>
    /// The objects in Custom::AWSCDK-EKS-KubernetesResource manifests. The manifest is a JSON string, joined with
    /// Fn::Join when it holds tokens; tokens are replaced by a placeholder to read the rest.
    /// </summary>
    public static IEnumerable<JsonNode> Manifests(JsonObject resources)
    {
        foreach (var (_, resource) in OfType(resources, "Custom::AWSCDK-EKS-KubernetesResource"))
        {
            var text = Flatten(resource["Properties"]!["Manifest"]);
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(text); } catch (JsonException) { continue; }
            foreach (var item in parsed as JsonArray ?? [parsed]) if (item is not null) yield return item;
        }
    }

    /// <summary>A template string value as text; Fn::Join parts concatenated, tokens (Ref, Fn::GetAtt) as "TOKEN".</summary>
    public static string Flatten(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Concat(join[1]!.AsArray().Select(Flatten)),
        _ => "TOKEN", // a Ref or Fn::GetAtt: always inside a JSON string in these manifests
    };

    /// <summary>A resource's construct path without the stack and the trailing "Resource": "Web/Group/ScalingPolicyCpu".</summary>
    public static string? ConstructPath(JsonNode resource)
    {
        var path = resource["Metadata"]?["aws:cdk:path"]?.GetValue<string>();
        if (path is null) return null;
        var parts = path.Split('/');
        return string.Join('/', parts.Skip(1).Take(parts.Length - (parts[^1] == "Resource" ? 2 : 1)));
    }
}
