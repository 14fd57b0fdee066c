namespace Workflows.Core.Nodes;

/// <summary>The node types a workflow may use, by <see cref="INodeHandler.Type"/>.</summary>
public sealed class NodeRegistry
{
    private readonly Dictionary<string, INodeHandler> _handlers;

    public NodeRegistry(IEnumerable<INodeHandler> handlers)
    {
        _handlers = new Dictionary<string, INodeHandler>(StringComparer.Ordinal);
        foreach (var h in handlers)
        {
            if (!_handlers.TryAdd(h.Type, h)) throw new ArgumentException($"Node type '{h.Type}' is registered twice.");
        }
    }

    public IReadOnlyCollection<string> Types => _handlers.Keys;

    public bool TryGet(string type, out INodeHandler handler) => _handlers.TryGetValue(type, out handler!);

    public INodeHandler Get(string type) =>
        TryGet(type, out var h) ? h : throw new PermanentNodeException($"Unknown node type '{type}'.");
}
