using System.Text.Json.Nodes;
using Workflows.Core.Expressions;

namespace Workflows.Tests.Expressions;

public class ExpressionEvaluatorTests
{
    private static readonly ExpressionScope Scope = new(
        Json: JsonNode.Parse("""{"count": 4, "name": "Ada", "tags": ["a", "b"]}"""),
        Input: JsonNode.Parse("""{"user": {"id": 7}}"""),
        NodeOutputs: new Dictionary<string, JsonNode?> { ["Fetch"] = JsonNode.Parse("""{"status": 200}""") },
        ExecutionId: "ex_1",
        WorkflowId: "wf_1");

    private static JsonNode? Resolve(string json, ExpressionOptions? options = null) =>
        new ExpressionEvaluator(options ?? new ExpressionOptions()).Resolve(JsonNode.Parse(json), Scope, TestContext.Current.CancellationToken);

    [Fact]
    public void A_whole_string_expression_keeps_its_json_type()
    {
        var result = Resolve("""{"n": "{{ $json.count * 2 }}", "b": "{{ $json.count > 3 }}", "o": "{{ ({ id: $input.user.id }) }}", "arr": "{{ $json.tags.map(t => t.toUpperCase()) }}"}""")!;
        Assert.Equal(8, result["n"]!.GetValue<double>());
        Assert.True(result["b"]!.GetValue<bool>());
        Assert.Equal(7, result["o"]!["id"]!.GetValue<double>());
        Assert.Equal("""["A","B"]""", result["arr"]!.ToJsonString());
    }

    [Fact]
    public void Text_around_placeholders_makes_a_string()
    {
        var result = Resolve("""{"greeting": "Hello {{ $json.name }}, you have {{ $json.count }} items", "obj": "x={{ ({a:1}) }}"}""")!;
        Assert.Equal("Hello Ada, you have 4 items", result["greeting"]!.GetValue<string>());
        Assert.Equal("""x={"a":1}""", result["obj"]!.GetValue<string>());
    }

    [Fact]
    public void Earlier_node_outputs_and_execution_metadata_are_visible()
    {
        var result = Resolve("""{"s": "{{ $node['Fetch'].json.status }}", "e": "{{ $execution.id + '/' + $execution.workflowId }}"}""")!;
        Assert.Equal(200, result["s"]!.GetValue<double>());
        Assert.Equal("ex_1/wf_1", result["e"]!.GetValue<string>());
    }

    [Fact]
    public void Values_without_placeholders_pass_through_unchanged()
    {
        var result = Resolve("""{"a": 1, "b": "plain", "c": [true, null], "d": {"e": "{ not an expression }"}}""")!;
        Assert.Equal("""{"a":1,"b":"plain","c":[true,null],"d":{"e":"{ not an expression }"}}""", result.ToJsonString());
    }

    [Fact]
    public void Undefined_results_become_null()
    {
        Assert.Null(Resolve("""{"x": "{{ $json.missing }}"}""")!["x"]);
    }

    [Fact]
    public void An_infinite_loop_is_stopped_by_the_sandbox()
    {
        var options = new ExpressionOptions { Timeout = TimeSpan.FromMilliseconds(200), MaxStatements = int.MaxValue };
        var e = Assert.Throws<ExpressionException>(() => Resolve("""{"x": "{{ (() => { while (true) {} })() }}"}""", options));
        Assert.Contains("time limit", e.Message);
    }

    [Fact]
    public void A_prepared_expression_reused_across_runs_sees_each_runs_scope_and_each_runs_limits()
    {
        // The second and later uses of an expression run its cached prepared script: the values come from each run's
        // scope, and the limits from each run's engine (a script prepared under one limit is not bound to it).
        var evaluator = new ExpressionEvaluator(new ExpressionOptions());
        var ct = TestContext.Current.CancellationToken;
        foreach (var n in new[] { 1, 2, 3 })
        {
            var scope = Scope with { Json = JsonNode.Parse($$"""{"count": {{n}}}""") };
            Assert.Equal(n * 10, evaluator.Resolve(JsonValue.Create("{{ $json.count * 10 }}"), scope, ct)!.GetValue<double>());
        }
        const string loop = """{"x": "{{ (() => { let i = 0; while (true) { i++; } })() }}"}""";
        var generous = new ExpressionOptions { Timeout = TimeSpan.FromSeconds(30), MaxStatements = 5000 };
        Assert.Contains("too many statements", Assert.Throws<ExpressionException>(() => Resolve(loop, generous)).Message);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var strict = new ExpressionOptions { Timeout = TimeSpan.FromMilliseconds(100), MaxStatements = int.MaxValue };
        Assert.Contains("time limit", Assert.Throws<ExpressionException>(() => Resolve(loop, strict)).Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the cached script ran {watch.Elapsed} under a 100 ms limit");
    }

    [Fact]
    public void Statement_and_memory_limits_are_enforced()
    {
        var statements = Assert.Throws<ExpressionException>(() =>
            Resolve("""{"x": "{{ (() => { let i = 0; for (;;) { i++; } })() }}"}""", new ExpressionOptions { MaxStatements = 1000 }));
        Assert.Contains("too many statements", statements.Message);

        var memory = Assert.Throws<ExpressionException>(() =>
            Resolve("""{"x": "{{ (() => { const a = []; for (let i = 0; i < 1e8; i++) a.push('xxxxxxxxxxxxxxxx' + i); return a.length; })() }}"}""",
                new ExpressionOptions { MemoryLimitBytes = 4 * 1024 * 1024, MaxStatements = int.MaxValue, Timeout = TimeSpan.FromSeconds(20) }));
        Assert.Contains("memory", memory.Message);
    }

    [Theory]
    [InlineData("{{ Array(100000000).fill(1).length }}")]
    [InlineData("{{ Array.from({length: 10000000}, (_, i) => i).length }}")]
    [InlineData("{{ new Array(1000000).length }}")]
    public void Arrays_built_in_one_native_call_are_bounded(string expression)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ExpressionException>(() => Resolve($$"""{"x": "{{expression}}"}"""));
        Assert.Contains(expression.Trim('{', '}', ' '), e.Message);
        // Refused before allocating: nowhere near the gigabyte the array would take.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024 * 1024, $"{(GC.GetAllocatedBytesForCurrentThread() - before) / 1048576} MiB allocated");
    }

    [Theory]
    [InlineData("{{ 'x'.repeat(100000000).length }}")]
    [InlineData("{{ 'x'.padStart(100000000).length }}")]
    [InlineData("{{ 'ab'.repeat(5000000).padEnd(100000000, 'y').length }}")]
    public void Strings_built_in_one_native_call_are_bounded(string expression)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ExpressionException>(() => Resolve($$"""{"x": "{{expression}}"}"""));
        Assert.Contains("Invalid string length", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024 * 1024, $"{(GC.GetAllocatedBytesForCurrentThread() - before) / 1048576} MiB allocated");
        // Ordinary use is untouched.
        Assert.Equal("xxx-", Resolve("""{"x": "{{ 'x'.repeat(3).padEnd(4, '-') }}"}""")!["x"]!.GetValue<string>());
    }

    [Fact]
    public void Expressions_cannot_reach_the_clr()
    {
        var result = Resolve("""{"t": "{{ typeof System }}", "i": "{{ typeof importNamespace }}", "r": "{{ typeof require }}"}""")!;
        Assert.Equal("undefined", result["t"]!.GetValue<string>());
        Assert.Equal("undefined", result["i"]!.GetValue<string>());
        Assert.Equal("undefined", result["r"]!.GetValue<string>());
    }

    [Fact]
    public void A_thrown_error_names_the_expression()
    {
        var e = Assert.Throws<ExpressionException>(() => Resolve("""{"x": "{{ $json.nothing.deeper }}"}"""));
        Assert.Contains("$json.nothing.deeper", e.Message);
    }

    [Fact]
    public void Syntax_errors_are_found_without_running_anything()
    {
        Assert.Empty(ExpressionEvaluator.CheckSyntax(JsonNode.Parse("""{"a": "{{ 1 + 2 }}", "b": ["{{ $json.x }}"]}""")));
        var errors = ExpressionEvaluator.CheckSyntax(JsonNode.Parse("""{"a": "{{ 1 + }}"}""")).ToList();
        Assert.Single(errors);
        Assert.Contains("{{ 1 + }}", errors[0]);
    }

    [Theory]
    [InlineData("{{ 0 }}", false)]
    [InlineData("{{ '' }}", false)]
    [InlineData("{{ null }}", false)]
    [InlineData("{{ 'no' }}", true)]
    [InlineData("{{ [] }}", true)]
    [InlineData("{{ $json.count === 4 }}", true)]
    public void Truthiness_follows_javascript(string condition, bool expected) =>
        Assert.Equal(expected, new ExpressionEvaluator(new ExpressionOptions()).IsTruthy(condition, Scope, TestContext.Current.CancellationToken));
}
