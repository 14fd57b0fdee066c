using Workflows.Core.Domain;

namespace Workflows.Core.Ports;

/// <summary>Where workflows live. Implementations: SQLite (embedded) and MongoDB/DocumentDB.</summary>
public interface IWorkflowStore
{
    /// <exception cref="DuplicateIdException">a workflow with that id exists.</exception>
    Task InsertAsync(Workflow workflow, CancellationToken ct);

    Task<Workflow?> GetAsync(string id, CancellationToken ct);

    /// <summary>Replaces the workflow if its stored version is <paramref name="expectedVersion"/>; the stored copy gets version + 1.</summary>
    /// <returns>The stored workflow, or null when no workflow has that id.</returns>
    /// <exception cref="VersionConflictException">the stored version differs.</exception>
    Task<Workflow?> UpdateAsync(Workflow workflow, long expectedVersion, CancellationToken ct);

    Task<bool> DeleteAsync(string id, CancellationToken ct);

    /// <summary>Newest first (createdAt descending), filtered.</summary>
    Task<Page<Workflow>> ListAsync(WorkflowQuery query, CancellationToken ct);
}

/// <param name="NamePrefix">Case-sensitive prefix of the name (served by the {active, name} index).</param>
public sealed record WorkflowQuery(bool? Active = null, string? NamePrefix = null, string? Owner = null, PageRequest? Page = null)
{
    public PageRequest Paging => Page ?? PageRequest.Default;

    /// <summary>
    /// The smallest string above every name starting with <paramref name="prefix"/> in code-point order (which is how
    /// SQLite and MongoDB compare): the prefix with its last code point incremented. Names match when
    /// <c>prefix &lt;= name &lt; bound</c>, a range the {active, name} index serves.
    /// </summary>
    public static string PrefixUpperBound(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        var last = runes[^1].Value + 1;
        if (last is >= 0xD800 and <= 0xDFFF) last = 0xE000; // skip the surrogate range, which is not a code point
        runes[^1] = last > 0x10FFFF ? runes[^1] : new System.Text.Rune(last);
        return string.Concat(runes.Select(r => r.ToString()));
    }
}

public sealed record PageRequest(int Limit = PageRequest.DefaultLimit, int Offset = 0)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public static readonly PageRequest Default = new();
}

/// <summary>One page; <see cref="HasMore"/> says whether a next page exists (no total count: it is costly on large collections).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Offset, int Limit, bool HasMore)
{
    /// <summary>Builds a page from a query that fetched <c>limit + 1</c> rows.</summary>
    public static Page<T> FromOverfetch(IReadOnlyList<T> rows, PageRequest request) =>
        rows.Count > request.Limit
            ? new Page<T>(rows.Take(request.Limit).ToList(), request.Offset, request.Limit, true)
            : new Page<T>(rows, request.Offset, request.Limit, false);
}

public sealed class DuplicateIdException(string id) : Exception($"An item with id '{id}' already exists.");

public sealed class VersionConflictException(string id, long expected, long actual)
    : Exception($"Workflow '{id}' is at version {actual}, not {expected}.")
{
    public long Expected { get; } = expected;
    public long Actual { get; } = actual;
}
