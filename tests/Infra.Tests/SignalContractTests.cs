using System.Text.Json.Nodes;
using Infra.Stacks.Stacks;
using Infra.Tests.Fixtures;
using Workflows.ScalingSignals;

namespace Infra.Tests;

/// <summary>
/// The two halves agree: every metric in the contract's namespace that a synthesized template consumes (scaling
/// policies, KEDA triggers, alarms, the dashboard) is one the service publishes, with identical name and dimension
/// names; and every signal the service publishes is consumed somewhere.
/// </summary>
public class SignalContractTests
{
    /// <summary>(metric name, dimension names) pairs read in the contract's namespace, by where they were found.</summary>
    private static List<(string Where, string Name, string[] Dimensions)> Consumed(SynthesizedEnvironment e)
    {
        var found = new List<(string, string, string[])>();
        foreach (var template in e.Templates)
        {
            var resources = template.Template["Resources"]!.AsObject();
            foreach (var (id, resource) in resources)
            {
                var type = resource!["Type"]!.GetValue<string>();
                var p = resource["Properties"];
                if (type == "AWS::CloudWatch::Alarm")
                {
                    if (p!["Namespace"]?.GetValue<string>() == Signals.Namespace)
                        found.Add(($"alarm {id}", p["MetricName"]!.GetValue<string>(), Names(p["Dimensions"])));
                    foreach (var m in p["Metrics"]?.AsArray() ?? [])
                        if (m?["MetricStat"]?["Metric"] is { } metric && metric["Namespace"]?.GetValue<string>() == Signals.Namespace)
                            found.Add(($"alarm {id}", metric["MetricName"]!.GetValue<string>(), Names(metric["Dimensions"])));
                }
                if (type == "AWS::CloudWatch::Dashboard")
                    found.AddRange(DashboardMetrics(TemplateScaling.Flatten(p!["DashboardBody"])).Select(m => ($"dashboard {id}", m.Name, m.Dimensions)));
            }
            foreach (var manifest in TemplateScaling.Manifests(resources).Where(m => m["kind"]?.GetValue<string>() == "ScaledObject"))
                foreach (var trigger in manifest["spec"]!["triggers"]!.AsArray().Where(t => t!["type"]!.GetValue<string>() == "aws-cloudwatch"))
                {
                    var meta = trigger!["metadata"]!;
                    if (meta["namespace"]!.GetValue<string>() == Signals.Namespace)
                        found.Add(("KEDA trigger", meta["metricName"]!.GetValue<string>(), meta["dimensionName"]!.GetValue<string>().Split(';')));
                }
        }
        return found;
    }

    private static string[] Names(JsonNode? dimensions) =>
        (dimensions as JsonArray ?? []).Select(d => d!["Name"]!.GetValue<string>()).ToArray();

    /// <summary>Dashboard metric arrays: [namespace, name, dim1, value1, dim2, value2, …, {options}?].</summary>
    private static IEnumerable<(string Name, string[] Dimensions)> DashboardMetrics(string body)
    {
        var widgets = JsonNode.Parse(body)!["widgets"]!.AsArray();
        foreach (var metric in widgets.SelectMany(w => w!["properties"]?["metrics"]?.AsArray() ?? []))
        {
            var parts = metric!.AsArray().Where(x => x is JsonValue).Select(x => x!.GetValue<string>()).ToList();
            if (parts.Count >= 2 && parts[0] == Signals.Namespace)
                yield return (parts[1], parts.Skip(2).Where((_, i) => i % 2 == 0).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Every_consumed_signal_is_published_with_identical_names_and_dimensions(string env)
    {
        var consumed = Consumed(Environments.Get(env));
        Assert.NotEmpty(consumed);
        foreach (var (where, name, dimensions) in consumed)
        {
            var signal = Signals.All.SingleOrDefault(s => s.Name == name);
            Assert.True(signal is not null, $"{where} reads {Signals.Namespace}/{name}, which the service does not publish");
            Assert.True(signal!.Dimensions.Order().SequenceEqual(dimensions.Order()),
                $"{where} reads {name} with dimensions [{string.Join(", ", dimensions)}]; the service publishes [{string.Join(", ", signal.Dimensions)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Every_published_signal_is_consumed(string env)
    {
        var consumed = Consumed(Environments.Get(env)).Select(c => c.Name).ToHashSet();
        foreach (var signal in Signals.All) Assert.True(consumed.Contains(signal.Name), $"{signal.Name} is published but nothing reads it");
    }

    [Fact]
    public void Scaling_reads_the_signals_it_should()
    {
        var consumed = Consumed(Environments.Get("prod"));
        Assert.Contains(consumed, c => c.Where == "KEDA trigger" && c.Name == Signals.QueueLength.Name);
        Assert.Contains(consumed, c => c.Where.StartsWith("alarm") && c.Name == Signals.ResponseTime.Name);
        Assert.Contains(consumed, c => c.Where.StartsWith("alarm") && c.Name == Signals.WorkflowExecutions.Name);
        Assert.Contains(consumed, c => c.Where.StartsWith("alarm") && c.Name == Signals.QueueLength.Name);
    }
}
