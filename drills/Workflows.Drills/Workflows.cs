namespace Workflows.Drills;

/// <summary>The workflows the drills run.</summary>
public static class DrillWorkflows
{
    /// <summary>One set node: the cheapest execution, so the drill measures the queue, not the work.</summary>
    public const string OneNode = """
        {"name": "drill-one-node", "active": true,
         "nodes": [{"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ $input.n * 2 }}"}}}]}
        """;

    /// <summary>A set node, then a wait: work that takes time, so a backlog builds when clients post faster.</summary>
    public static string OneNodeThenWait(int waitMs) => """
        {"name": "drill-set-wait", "active": true,
         "nodes": [{"id": "calc", "type": "set", "parameters": {"values": {"doubled": "{{ $input.n * 2 }}"}}},
                   {"id": "wait", "type": "wait", "parameters": {"ms": MS}}],
         "connections": [{"from": "calc", "to": "wait"}]}
        """.Replace("MS", waitMs.ToString());

    /// <summary>Waits, then calls a downstream service: what a killed worker leaves half done.</summary>
    public static string WaitThenCall(int waitMs, string url) => $$$"""
        {"name": "drill-wait-call", "active": true,
         "nodes": [
           {"id": "wait", "type": "wait", "parameters": {"ms": {{{waitMs}}}}},
           {"id": "notify", "type": "http", "parameters": {"method": "POST", "url": "{{{url}}}", "body": {"execution": "{{ $execution.id }}"}},
            "retry": {"maxAttempts": 3, "backoffMs": 100}}],
         "connections": [{"from": "wait", "to": "notify"}]}
        """;

    public static string Wait(int waitMs) =>
        """{"name": "drill-wait", "active": true, "nodes": [{"id": "wait", "type": "wait", "parameters": {"ms": MS}}]}""".Replace("MS", waitMs.ToString());
}
