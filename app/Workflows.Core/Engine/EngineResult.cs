using System.Text.Json.Nodes;
using Workflows.Core.Domain;

namespace Workflows.Core.Engine;

/// <summary>How a run ended. <see cref="Status"/> is always terminal.</summary>
public sealed record EngineResult(ExecutionStatus Status, JsonNode? Output, IReadOnlyList<NodeResult> Nodes, ExecutionError? Error);
