using Workflows.Core.Domain;

namespace Workflows.Core.Engine;

/// <summary>Graph helpers over a workflow's nodes and connections.</summary>
public static class WorkflowGraph
{
    /// <summary>Kahn's algorithm; ties keep document order so runs are deterministic.</summary>
    /// <exception cref="InvalidOperationException">the graph has a cycle (validation prevents this).</exception>
    public static IReadOnlyList<WorkflowNode> TopologicalOrder(Workflow workflow)
    {
        var indegree = workflow.Nodes.ToDictionary(n => n.Id, _ => 0);
        foreach (var c in workflow.Connections) indegree[c.To]++;
        var ready = new Queue<WorkflowNode>(workflow.Nodes.Where(n => indegree[n.Id] == 0));
        var byId = workflow.Nodes.ToDictionary(n => n.Id);
        var order = new List<WorkflowNode>(workflow.Nodes.Count);
        while (ready.TryDequeue(out var node))
        {
            order.Add(node);
            foreach (var c in workflow.Connections.Where(c => c.From == node.Id))
                if (--indegree[c.To] == 0) ready.Enqueue(byId[c.To]);
        }
        if (order.Count != workflow.Nodes.Count) throw new InvalidOperationException($"Workflow '{workflow.Id}' has a cycle.");
        return order;
    }

    /// <summary>Returns one cycle as a list of node ids (first id repeated at the end), or null.</summary>
    public static IReadOnlyList<string>? FindCycle(Workflow workflow)
    {
        var edges = workflow.Connections.GroupBy(c => c.From).ToDictionary(g => g.Key, g => g.Select(c => c.To).Distinct().ToList());
        var state = new Dictionary<string, int>(); // 1 = on the stack, 2 = done
        var stack = new List<string>();

        List<string>? Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (var next in edges.GetValueOrDefault(id) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. stack.Skip(stack.IndexOf(next)), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var node in workflow.Nodes)
            if (state.GetValueOrDefault(node.Id) == 0 && Visit(node.Id) is { } cycle) return cycle;
        return null;
    }
}
