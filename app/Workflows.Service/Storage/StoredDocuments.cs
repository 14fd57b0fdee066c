using System.Text.Json;
using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Storage;

/// <summary>
/// Both stores keep the full item as one JSON document plus a few scalar columns/fields for filtering and sorting.
/// One serializer means both stores round-trip exactly the same shape.
/// </summary>
internal static class StoredDocuments
{
    public static string Serialize<T>(T item)
    {
        try
        {
            return JsonSerializer.Serialize(item, WorkflowJson.Options);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new UnstorableItemException($"The {typeof(T).Name.ToLowerInvariant()} cannot be stored: {e.Message}", e);
        }
    }

    /// <summary>MongoDB's and DocumentDB's document size limit, less room for the indexed fields.</summary>
    public const int MaxDocumentBytes = 15 * 1024 * 1024;

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, WorkflowJson.Options) ?? throw new InvalidDataException("A stored document is null.");

    /// <summary>Statuses a worker may still move: the conditional updates' filter.</summary>
    public static readonly string[] OpenStatuses = [ExecutionStatus.Queued.ToWire(), ExecutionStatus.Running.ToWire()];
}

/// <summary>Creates schema and indexes once at start-up.</summary>
public interface IStoreInitializer
{
    Task InitializeAsync(CancellationToken ct);
}
