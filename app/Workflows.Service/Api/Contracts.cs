using System.Text.Json.Nodes;
using Workflows.Core.Domain;

namespace Workflows.Service.Api;

/// <summary>Body of POST /api/workflows and PUT /api/workflows/{id}. Ids, timestamps and versions are the server's.</summary>
public sealed record WorkflowDraft
{
    public string? Name { get; init; }
    /// <summary>Defaults to the calling API key's name.</summary>
    public string? Owner { get; init; }
    public bool Active { get; init; }
    /// <summary>PUT only: the version the client read (409 when it is stale).</summary>
    public long? Version { get; init; }
    public List<WorkflowNode>? Nodes { get; init; }
    public List<Connection>? Connections { get; init; }
    public WorkflowSettings? Settings { get; init; }
}

/// <summary>Body of POST /api/workflows/{id}/execute (optional).</summary>
public sealed record ExecuteRequest
{
    public JsonNode? Input { get; init; }
}

/// <summary>202 answer of execute: where to poll.</summary>
public sealed record ExecutionAccepted(string ExecutionId, string Status, string Url);

public sealed record PageResponse<T>(IReadOnlyList<T> Items, int Offset, int Limit, bool HasMore);
