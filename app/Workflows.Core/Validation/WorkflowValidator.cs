using Workflows.Core.Domain;
using Workflows.Core.Engine;
using Workflows.Core.Nodes;

namespace Workflows.Core.Validation;

/// <summary>
/// Checks a workflow before it is stored: names, node ids and types, each node's parameters, connections
/// (known ends, valid output ports, no cycles). Every problem is reported with its JSON path.
/// </summary>
public sealed class WorkflowValidator(NodeRegistry registry, WorkflowLimits limits)
{
    public IReadOnlyList<ValidationError> Validate(Workflow workflow)
    {
        var errors = new List<ValidationError>();
        void Add(string field, string message) => errors.Add(new ValidationError(field, message));

        if (string.IsNullOrWhiteSpace(workflow.Name)) Add("name", "is required");
        else if (workflow.Name.Length > limits.MaxNameLength) Add("name", $"must be at most {limits.MaxNameLength} characters");
        if (string.IsNullOrWhiteSpace(workflow.Owner)) Add("owner", "is required");
        else if (workflow.Owner.Length > limits.MaxNameLength) Add("owner", $"must be at most {limits.MaxNameLength} characters");

        if (workflow.Nodes.Count == 0) Add("nodes", "must hold at least one node");
        if (workflow.Nodes.Count > limits.MaxNodes) Add("nodes", $"must hold at most {limits.MaxNodes} nodes");

        var handlers = new Dictionary<string, INodeHandler?>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < workflow.Nodes.Count; i++)
        {
            var node = workflow.Nodes[i];
            var path = $"nodes[{i}]";
            if (node is null) { Add(path, "must be an object"); continue; }
            if (string.IsNullOrWhiteSpace(node.Id)) Add($"{path}.id", "is required");
            else if (handlers.ContainsKey(node.Id)) Add($"{path}.id", $"'{node.Id}' is used by another node");

            INodeHandler? handler = null;
            if (string.IsNullOrWhiteSpace(node.Type)) Add($"{path}.type", "is required");
            else if (!registry.TryGet(node.Type, out handler))
                Add($"{path}.type", $"unknown node type '{node.Type}'; known types: {string.Join(", ", registry.Types.Order())}");
            else
                errors.AddRange(handler.Validate(node.Parameters ?? new(), $"{path}.parameters"));

            if (node.TimeoutSeconds is { } t && (t < 1 || t > limits.MaxNodeTimeoutSeconds))
                Add($"{path}.timeoutSeconds", $"must be from 1 to {limits.MaxNodeTimeoutSeconds}");
            if (node.Retry is { } r)
            {
                if (r.MaxAttempts < 1 || r.MaxAttempts > limits.MaxNodeAttempts) Add($"{path}.retry.maxAttempts", $"must be from 1 to {limits.MaxNodeAttempts}");
                if (r.BackoffMs < 0 || r.BackoffMs > 60_000) Add($"{path}.retry.backoffMs", "must be from 0 to 60000");
            }
            if (!string.IsNullOrWhiteSpace(node.Id)) handlers.TryAdd(node.Id, handler);
            // Outputs are addressed by name ($node["name"]) and merged by name: names (or ids, where unnamed) must be unique.
            if (!string.IsNullOrWhiteSpace(node.Id) && !names.Add(node.DisplayName))
                Add(node.Name is null ? $"{path}.id" : $"{path}.name", $"'{node.DisplayName}' names another node too");
        }

        if (workflow.Settings?.TimeoutSeconds is { } wt && (wt < 1 || wt > limits.MaxExecutionTimeoutSeconds))
            Add("settings.timeoutSeconds", $"must be from 1 to {limits.MaxExecutionTimeoutSeconds}");

        for (var i = 0; i < workflow.Connections.Count; i++)
        {
            var c = workflow.Connections[i];
            var path = $"connections[{i}]";
            if (c is null) { Add(path, "must be an object"); continue; }
            if (!handlers.TryGetValue(c.From ?? "", out var from)) Add($"{path}.from", $"no node has id '{c.From}'");
            else if (from is not null && !from.Outputs.Contains(c.Output))
                Add($"{path}.output", $"node '{c.From}' ({from.Type}) has no output '{c.Output}'; its outputs: {string.Join(", ", from.Outputs)}");
            if (!handlers.ContainsKey(c.To ?? "")) Add($"{path}.to", $"no node has id '{c.To}'");
            if (c.From is not null && c.From == c.To) Add(path, $"node '{c.From}' is connected to itself");
        }

        if (errors.Count == 0 && WorkflowGraph.FindCycle(workflow) is { } cycle)
            Add("connections", $"form a cycle: {string.Join(" -> ", cycle)}");

        return errors;
    }
}

/// <summary>Upper bounds on what one workflow may ask for.</summary>
public sealed record WorkflowLimits
{
    public int MaxNodes { get; init; } = 200;
    public int MaxNameLength { get; init; } = 200;
    public int MaxNodeAttempts { get; init; } = 10;
    public int MaxNodeTimeoutSeconds { get; init; } = 300;
    public int MaxExecutionTimeoutSeconds { get; init; } = 3600;
}
