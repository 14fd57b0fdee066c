using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Workflows.Core.Domain;
using Workflows.Service.Options;

namespace Workflows.Service.Api;

/// <summary>
/// Reads a JSON request body with our own errors: 415 for a non-JSON content type, 413 over the size limit
/// (checked here too, since not every server enforces Kestrel's limit), 400 naming the JSON path of bad input.
/// Unknown properties are refused, so a misspelt field never passes silently.
/// </summary>
public static class JsonBody
{
    /// <summary>How deeply a request may nest; stored documents wrap it a few levels deeper, within the store's limit.</summary>
    public const int MaxDepth = 32;

    private static readonly JsonSerializerOptions StrictOptions = new(WorkflowJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = MaxDepth,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, bool optional = false) where T : class
    {
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit) return (null, TooLarge(limit));

        var reader = request.BodyReader;
        ReadOnlySequence<byte> body;
        try
        {
            body = await ReadBoundedAsync(reader, limit, request.HttpContext.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
        if (body.Length > limit)
        {
            reader.AdvanceTo(body.End);
            return (null, TooLarge(limit));
        }

        try
        {
            return Parse<T>(body, request.ContentType, optional);
        }
        finally
        {
            reader.AdvanceTo(body.End); // the pipe's buffers go back to its pool: no copy of the body per request
        }
    }

    private static (T? Value, IResult? Problem) Parse<T>(ReadOnlySequence<byte> body, string? contentType, bool optional) where T : class
    {
        if (body.IsEmpty)
        {
            return optional ? (null, null)
                : (null, Results.Problem(statusCode: 400, title: "Request body required", detail: "Send a JSON document in the request body."));
        }
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, Results.Problem(statusCode: 415, title: "Unsupported media type", detail: "Send the body as application/json."));

        try
        {
            CheckStrings(body);
            var value = Deserialize<T>(body);
            return value is null
                ? (null, Results.Problem(statusCode: 400, title: "Invalid JSON", detail: "The body must be a JSON object, not null."))
                : (value, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path;
            return (null, Results.ValidationProblem(
                new Dictionary<string, string[]> { [field] = [CleanMessage(e)] },
                title: "Invalid JSON", detail: $"The body could not be read at '{field}'."));
        }
    }

    /// <summary>From one span: the serializer's errors then name the path inside the document (from a reader over a
    /// sequence it reports a truncated document at "$"). A body the pipe holds in several segments is copied to a
    /// pooled buffer first.</summary>
    private static T? Deserialize<T>(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment) return JsonSerializer.Deserialize<T>(body.FirstSpan, StrictOptions);
        var length = checked((int)body.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return JsonSerializer.Deserialize<T>(rented.AsSpan(0, length), StrictOptions);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes every string once. Bodies bound to JsonNode keep strings undecoded, so invalid text (a lone UTF-16
    /// surrogate escape such as "\ud800") would otherwise surface later, as a 500 when the item is stored.
    /// </summary>
    private static void CheckStrings(ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        var path = new List<(string? Name, int Index)>(); // Index -1: an object frame
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray) { path.RemoveAt(path.Count - 1); continue; }
                if (token != JsonTokenType.PropertyName && path.Count > 0 && path[^1].Index >= 0) path[^1] = (null, path[^1].Index + 1);
                if (token is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    string? text;
                    try { text = reader.GetString(); }
                    catch (InvalidOperationException e)
                    {
                        throw new JsonException($"Invalid text: {e.Message}", Render(path), null, null);
                    }
                    if (token == JsonTokenType.PropertyName) path[^1] = (text, -1);
                }
                if (token == JsonTokenType.StartObject) path.Add((null, -1));
                if (token == JsonTokenType.StartArray) path.Add((null, 0));
            }
        }
        catch (JsonException e) when (e.Path is null)
        {
            // Malformed JSON: the serializer below reports it with its path.
        }

        static string Render(List<(string? Name, int Index)> frames) =>
            "$" + string.Concat(frames.Select(f => f.Index >= 0 ? $"[{f.Index - 1}]" : f.Name is null ? "" : "." + f.Name));
    }

    /// <summary>
    /// Reads until the body ends or passes the limit, leaving it in the pipe (the caller advances past it). The result
    /// is longer than the limit when the body is over it.
    /// </summary>
    private static async Task<ReadOnlySequence<byte>> ReadBoundedAsync(PipeReader reader, long limit, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            if (result.IsCompleted || result.IsCanceled || result.Buffer.Length > limit) return result.Buffer;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // nothing consumed yet: wait for more
        }
    }

    private static IResult TooLarge(long limit) =>
        Results.Problem(statusCode: 413, title: "Request body too large", detail: $"The body may be at most {limit} bytes (Api:MaxRequestBodyBytes).");

    /// <summary>System.Text.Json messages end with path and position details that we report separately.</summary>
    private static string CleanMessage(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
