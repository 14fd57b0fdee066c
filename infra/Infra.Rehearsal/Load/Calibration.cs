using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Infra.Rehearsal.Load;

/// <summary>
/// What a request and an execution cost, measured by <c>bench/calibrate.sh</c> on a real run of the service (CPU time
/// of the API and worker processes divided by the work they did) and the machine it ran on. The rehearsal scales these
/// to the instance types in the templates; nothing here is a constant in code.
/// </summary>
public sealed record Calibration
{
    public required string MeasuredOn { get; init; }
    public required int MeasuredCores { get; init; }
    public required string MeasuredAt { get; init; }
    /// <summary>Per request name of the profile: CPU milliseconds and the time it waits on I/O (store, Redis).</summary>
    public required IReadOnlyDictionary<string, RequestCost> Requests { get; init; }
    public required ExecutionCost Execution { get; init; }

    public sealed record RequestCost(double CpuMilliseconds, double WaitMilliseconds);

    /// <summary>CPU milliseconds of one execution in a worker, and how long it holds a worker slot.</summary>
    public sealed record ExecutionCost(double CpuMilliseconds, double DurationMilliseconds);

    public static Calibration Load(string path)
    {
        if (!File.Exists(path)) throw new CalibrationException(path, "", "no calibration file: run bench/calibrate.sh to measure one");
        JsonNode root;
        try { root = JsonNode.Parse(File.ReadAllText(path))!; }
        catch (JsonException e) { throw new CalibrationException(path, "", $"not valid JSON: {e.Message}"); }
        double Number(JsonNode? node, string field) => node is JsonValue v && v.TryGetValue<double>(out var d) && d >= 0 ? d
            : throw new CalibrationException(path, field, $"{node?.ToJsonString() ?? "missing"}: must be a number of 0 or more");
        var requests = root["requests"] as JsonObject ?? throw new CalibrationException(path, "requests", "is required");
        var execution = root["execution"] ?? throw new CalibrationException(path, "execution", "is required");
        return new Calibration
        {
            MeasuredOn = root["machine"]?["description"]?.GetValue<string>() ?? throw new CalibrationException(path, "machine.description", "is required"),
            MeasuredCores = (int)Number(root["machine"]?["cores"], "machine.cores"),
            MeasuredAt = root["measuredAt"]?.GetValue<string>() ?? "",
            Requests = requests.ToDictionary(r => r.Key, r => new RequestCost(
                Number(r.Value?["cpuMilliseconds"], $"requests.{r.Key}.cpuMilliseconds"), Number(r.Value?["waitMilliseconds"], $"requests.{r.Key}.waitMilliseconds"))),
            Execution = new ExecutionCost(Number(execution["cpuMilliseconds"], "execution.cpuMilliseconds"), Number(execution["durationMilliseconds"], "execution.durationMilliseconds")),
        };
    }

    /// <summary>The same calibration with a figure replaced (what-ifs: <c>--set execution.durationMilliseconds=2000</c>).</summary>
    public Calibration With(string key, string value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new ArgumentException($"{key}={value}: not a number of 0 or more");
        var parts = key.Split('.');
        return parts switch
        {
            ["execution", "cpuMilliseconds"] => this with { Execution = Execution with { CpuMilliseconds = v } },
            ["execution", "durationMilliseconds"] => this with { Execution = Execution with { DurationMilliseconds = v } },
            ["requests", var name, "cpuMilliseconds"] when Requests.ContainsKey(name) =>
                this with { Requests = new Dictionary<string, RequestCost>(Requests) { [name] = Requests[name] with { CpuMilliseconds = v } } },
            ["requests", var name, "waitMilliseconds"] when Requests.ContainsKey(name) =>
                this with { Requests = new Dictionary<string, RequestCost>(Requests) { [name] = Requests[name] with { WaitMilliseconds = v } } },
            _ => throw new ArgumentException($"unknown calibration figure '{key}'"),
        };
    }

    public static IEnumerable<string> Keys(Calibration c) =>
        ["execution.cpuMilliseconds", "execution.durationMilliseconds", .. c.Requests.Keys.SelectMany(n => new[] { $"requests.{n}.cpuMilliseconds", $"requests.{n}.waitMilliseconds" })];
}

public sealed class CalibrationException(string file, string field, string reason)
    : Exception(field.Length == 0 ? $"{file}: {reason}" : $"{file}: {field}: {reason}");
