using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.LoadProfiles;

/// <summary>
/// Reads a profile file strictly: an unknown key, a wrong type or a bad value stops with
/// <c>file: field.path: reason</c> (<see cref="ProfileException"/>), never a silent default.
/// </summary>
public static partial class ProfileLoader
{
    /// <summary>The profiles shipped in loadtest/profiles, by name.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = ["seed", "smoke", "stress", "spike", "diurnal"];

    /// <summary>A built-in profile's name (looked up under <paramref name="profilesDirectory"/>) or a path to a file.</summary>
    public static LoadProfile Load(string nameOrPath, string profilesDirectory)
    {
        var path = File.Exists(nameOrPath) ? nameOrPath : Path.Combine(profilesDirectory, nameOrPath + ".json");
        if (!File.Exists(path))
            throw new ProfileException(nameOrPath, "", $"no such profile file; built-in profiles: {string.Join(", ", BuiltIn)} (in {profilesDirectory})");
        return Parse(File.ReadAllText(path), path);
    }

    public static LoadProfile Parse(string json, string file)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new ProfileException(file, "", "the file must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new ProfileException(file, "", $"not valid JSON: {e.Message}");
        }
        var reader = new Reader(file);
        reader.Known(root, "", "$schema", "name", "description", "stages", "steps", "thresholds", "stopOnBreach");
        var stages = reader.Array(root, "stages", required: true)!.Select((node, i) =>
        {
            var path = $"stages[{i}]";
            var stage = reader.Object(node, path);
            reader.Known(stage, path, "duration", "target");
            var target = reader.Int(stage, $"{path}.target", "target", required: true)!.Value;
            if (target < 0) throw new ProfileException(file, $"{path}.target", $"{target} users: must be 0 or more");
            return new Stage(reader.Duration(stage, $"{path}.duration", "duration", required: true)!.Value, target);
        }).ToList();
        if (stages.Count == 0) throw new ProfileException(file, "stages", "needs at least one stage");

        var steps = reader.Array(root, "steps", required: true)!.Select((node, i) =>
        {
            var path = $"steps[{i}]";
            var step = reader.Object(node, path);
            if (step.ContainsKey("think"))
            {
                reader.Known(step, path, "think");
                return (Step)new Think(reader.Duration(step, $"{path}.think", "think", required: true)!.Value);
            }
            reader.Known(step, path, "request", "method", "path", "body", "expect", "startsExecution");
            var method = reader.String(step, $"{path}.method", "method", required: true)!.ToUpperInvariant();
            if (method is not ("GET" or "POST" or "PUT" or "DELETE" or "PATCH"))
                throw new ProfileException(file, $"{path}.method", $"'{method}' is not GET, POST, PUT, DELETE or PATCH");
            var urlPath = reader.String(step, $"{path}.path", "path", required: true)!;
            if (!urlPath.StartsWith('/')) throw new ProfileException(file, $"{path}.path", $"'{urlPath}' must start with /");
            var expect = reader.Array(step, "expect", required: false)?.Select((e, j) => reader.IntValue(e, $"{path}.expect[{j}]")).ToList() ?? [200];
            return new Request(reader.String(step, $"{path}.request", "request", required: true)!, method, urlPath,
                step["body"]?.ToJsonString(), expect, reader.Bool(step, $"{path}.startsExecution", "startsExecution") ?? false);
        }).ToList();
        if (!steps.OfType<Request>().Any()) throw new ProfileException(file, "steps", "needs at least one request");
        if (steps.OfType<Request>().GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ProfileException(file, "steps", $"request name '{duplicate.Key}' is used twice; names identify endpoints in the results");

        var thresholds = new Thresholds();
        if (root["thresholds"] is { } t)
        {
            var obj = reader.Object(t, "thresholds");
            reader.Known(obj, "thresholds", "latencyP95Milliseconds", "errorRate", "queueWaitP95Seconds");
            thresholds = new Thresholds
            {
                LatencyP95Milliseconds = reader.Positive(obj, "thresholds.latencyP95Milliseconds", "latencyP95Milliseconds") ?? thresholds.LatencyP95Milliseconds,
                ErrorRate = reader.Positive(obj, "thresholds.errorRate", "errorRate") ?? thresholds.ErrorRate,
                QueueWaitP95Seconds = reader.Positive(obj, "thresholds.queueWaitP95Seconds", "queueWaitP95Seconds") ?? thresholds.QueueWaitP95Seconds,
            };
            if (thresholds.ErrorRate >= 1) throw new ProfileException(file, "thresholds.errorRate", $"{thresholds.ErrorRate} is a fraction: 0.01 means 1 %");
        }
        return new LoadProfile
        {
            Name = reader.String(root, "name", "name", required: true)!,
            Description = reader.String(root, "description", "description") ?? "",
            Stages = stages,
            Steps = steps,
            Thresholds = thresholds,
            StopOnBreach = reader.Bool(root, "stopOnBreach", "stopOnBreach") ?? false,
        };
    }

    /// <summary>"500ms", "30s", "5m", "1h", "1h30m" (k6's duration strings).</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || match.Length == 0) return null;
        var total = TimeSpan.Zero;
        foreach (Capture c in match.Groups["part"].Captures)
        {
            var part = PartPattern().Match(c.Value);
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }
        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)$")]
    private static partial Regex PartPattern();

    private sealed class Reader(string file)
    {
        public void Known(JsonObject obj, string path, params string[] keys)
        {
            foreach (var (key, _) in obj)
                if (!keys.Contains(key))
                    throw new ProfileException(file, path.Length == 0 ? key : $"{path}.{key}", $"unknown key; known here: {string.Join(", ", keys.Where(k => k != "$schema"))}");
        }

        public JsonObject Object(JsonNode? node, string path) =>
            node as JsonObject ?? throw new ProfileException(file, path, "must be an object");

        public JsonArray? Array(JsonObject obj, string key, bool required = false) => obj[key] switch
        {
            JsonArray a => a,
            null when !required => null,
            null => throw new ProfileException(file, key, "is required"),
            _ => throw new ProfileException(file, key, "must be an array"),
        };

        public string? String(JsonObject obj, string path, string key, bool required = false) => obj[key] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => s,
            null when !required => null,
            null => throw new ProfileException(file, path, "is required"),
            _ => throw new ProfileException(file, path, "must be a non-empty string"),
        };

        public bool? Bool(JsonObject obj, string path, string key) => obj[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw new ProfileException(file, path, "must be true or false"),
        };

        public int? Int(JsonObject obj, string path, string key, bool required = false) => obj[key] switch
        {
            null when !required => null,
            null => throw new ProfileException(file, path, "is required"),
            var n => IntValue(n, path),
        };

        public int IntValue(JsonNode? node, string path) =>
            node is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new ProfileException(file, path, $"{node?.ToJsonString() ?? "null"} is not an integer");

        public double? Positive(JsonObject obj, string path, string key) => obj[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<double>(out var d) && d > 0 => d,
            var n => throw new ProfileException(file, path, $"{n.ToJsonString()} must be a number above 0"),
        };

        public TimeSpan? Duration(JsonObject obj, string path, string key, bool required = false)
        {
            var text = String(obj, path, key, required);
            if (text is null) return null;
            var duration = ParseDuration(text);
            return duration is { Ticks: > 0 } d ? d : throw new ProfileException(file, path, $"'{text}' is not a duration (use 500ms, 30s, 5m, 1h)");
        }
    }
}

/// <summary>A profile file is wrong; the message names the file, the field and why.</summary>
public sealed class ProfileException(string file, string field, string reason)
    : Exception(field.Length == 0 ? $"{file}: {reason}" : $"{file}: {field}: {reason}")
{
    public string File { get; } = file;
    public string Field { get; } = field;
}
