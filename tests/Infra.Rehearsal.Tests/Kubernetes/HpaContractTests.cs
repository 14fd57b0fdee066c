using System.Text.Json.Nodes;
using Infra.Rehearsal.Contract;

namespace Infra.Rehearsal.Tests.Kubernetes;

/// <summary>
/// The HPA model against Kubernetes' own expectations: 123 cases translated from the upstream controller's unit tests
/// (replica_calculator_test.go, horizontal_test.go; each case names its test in "source"), run through the
/// <c>rehearse hpa-decide</c> contract. The arithmetic behind each expectation is in the case's "why".
/// </summary>
public class HpaContractTests
{
    private static readonly JsonArray Cases = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Kubernetes", "hpa-cases.json")))!.AsArray();

    public static TheoryData<int, string> CaseIndexes()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Cases.Count; i++) data.Add(i, Cases[i]!["source"]!.GetValue<string>());
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Decides_as_the_kubernetes_controller(int index, string source)
    {
        var c = Cases[index]!.AsObject();
        var expected = c["expected"]!;
        var result = HpaDecisionCase.DecideOne(c.DeepClone(), $"[{index}]");
        var why = $"{source}: {c["why"]}\nresult: {result.ToJsonString()}";

        Assert.True(expected["desiredReplicas"]!.GetValue<int>() == result["desiredReplicas"]!.GetValue<int>(), "desiredReplicas. " + why);
        Assert.True(expected["recommendation"]?.GetValue<int>() == result["recommendation"]?.GetValue<int>(), "recommendation. " + why);

        var conditions = result["conditions"]!.AsArray().Select(x => (Type: x!["type"]!.GetValue<string>(), Status: x["status"]!.GetValue<string>(), Reason: x["reason"]!.GetValue<string>())).ToList();
        foreach (var want in expected["conditions"]!.AsArray())
        {
            var type = want!["type"]!.GetValue<string>();
            var got = conditions.FirstOrDefault(x => x.Type == type);
            Assert.True((want["status"]!.GetValue<string>(), want["reason"]!.GetValue<string>()) == (got.Status, got.Reason), $"condition {type}. " + why);
        }
        if (expected["conditionsExact"]?.GetValue<bool>() == true)
            Assert.True(expected["conditions"]!.AsArray().Count == conditions.Count, "exactly these conditions. " + why);

        var metrics = result["metrics"]!.AsArray();
        if (expected["utilization"] is { } utilization)
            Assert.True(utilization.GetValue<int>() == metrics.First(m => m!["utilization"] is not null)!["utilization"]!.GetValue<int>(), "utilization. " + why);
        if (expected["rawAverageValue"] is { } raw)
            Assert.True(Rehearsal.Kubernetes.Quantity.Milli(raw.GetValue<string>()) == Rehearsal.Kubernetes.Quantity.Milli(
                metrics.First(m => m!["utilization"] is not null || m["type"]!.GetValue<string>() is "Resource" or "ContainerResource")!["averageValue"]!.GetValue<string>()), "rawAverageValue. " + why);
        if (expected["usage"] is { } usage)
        {
            var first = metrics.First(m => m!["type"]!.GetValue<string>() is not ("Resource" or "ContainerResource") || m["utilization"] is null);
            var value = first!["averageValue"] ?? first["value"];
            Assert.True(Rehearsal.Kubernetes.Quantity.Milli(usage.GetValue<string>()) == Rehearsal.Kubernetes.Quantity.Milli(value!.GetValue<string>()), "usage. " + why);
        }
        if (expected["recommendationsAfter"] is JsonArray after)
            Assert.True(Pairs(after, "replicas") == Pairs(result["history"]!["recommendations"]!.AsArray(), "replicas"), "recommendations after the sync. " + why);
        if (expected["scaleUpEventsAfter"] is JsonArray up)
            Assert.True(Pairs(up, "replicaChange") == Pairs(result["history"]!["scaleUpEvents"]!.AsArray(), "replicaChange"), "scale-up events after. " + why);
        if (expected["scaleDownEventsAfter"] is JsonArray down)
            Assert.True(Pairs(down, "replicaChange") == Pairs(result["history"]!["scaleDownEvents"]!.AsArray(), "replicaChange"), "scale-down events after. " + why);
    }

    private static string Pairs(JsonArray items, string valueKey) =>
        string.Join(";", items.Select(x => $"{DateTimeOffset.Parse(x!["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds()}={x[valueKey]}"));
}
