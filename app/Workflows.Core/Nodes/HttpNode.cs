using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Core.Validation;

namespace Workflows.Core.Nodes;

/// <summary>
/// Calls an HTTP endpoint. Parameters: <c>url</c> (required), <c>method</c> (GET, POST, PUT, PATCH, DELETE, HEAD),
/// <c>headers</c> (object of strings), <c>body</c> (any JSON, sent as application/json), <c>failOnError</c>
/// (default true: a 4xx fails the node at once, a 5xx or 429 fails the attempt and is retried).
/// Output: <c>{ status, headers, body }</c>, body parsed when the response is JSON.
/// Redirects are not followed, so every host reached passed <see cref="OutboundHttpPolicy"/>.
/// <para>
/// Delivery is at least once: a node attempt that failed, or an execution a dead worker left behind, runs again. Every
/// request therefore carries <c>Idempotency-Key</c> (the IETF httpapi draft's header), the same on every retry and
/// redelivery of this node in this execution: <c>{executionId}:{nodeId}</c>. The parameter <c>idempotencyKey</c>
/// replaces it (a string, expressions allowed, e.g. one derived from the input) or, set to <c>false</c>, omits it.
/// </para>
/// </summary>
public sealed class HttpNode : INodeHandler, IDisposable
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
    private readonly OutboundHttpPolicy _policy;
    private readonly HttpClient _client;

    public HttpNode(OutboundHttpPolicy policy)
    {
        _policy = policy;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false, // through a proxy, ConnectCallback would vet the proxy's address instead of the target's
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        };
        // Timeouts are per node attempt (the engine's), not the client's.
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Type => "http";
    public IReadOnlyList<string> Outputs { get; } = ["main"];

    public IEnumerable<ValidationError> Validate(JsonObject p, string path)
    {
        foreach (var e in Parameters.RequireString(p, "url", path)) yield return e;
        var url = Parameters.String(p, "url");
        if (url is not null && !Expressions.ExpressionEvaluator.ContainsExpression(url) && CheckUrl(url) is { } urlError)
            yield return new ValidationError($"{path}.url", urlError);
        if (p.ContainsKey("method") && !Methods.Contains(Parameters.String(p, "method")?.ToUpperInvariant()))
            yield return new ValidationError($"{path}.method", $"must be one of {string.Join(", ", Methods)}");
        if (p["headers"] is { } headers && (headers is not JsonObject h || h.Any(kv => kv.Value is not JsonValue v || !v.TryGetValue<string>(out _))))
            yield return new ValidationError($"{path}.headers", "must be an object whose values are strings");
        if (p["failOnError"] is { } f && !(f is JsonValue fv && fv.TryGetValue<bool>(out _)))
            yield return new ValidationError($"{path}.failOnError", "must be true or false");
        if (p["idempotencyKey"] is { } k && !(k is JsonValue kv && (kv.TryGetValue<bool>(out var on) && !on || kv.TryGetValue<string>(out var key) && IsHeaderValue(key))))
            yield return new ValidationError($"{path}.idempotencyKey", "must be a non-empty string of printable ASCII (at most 255 characters), or false to send none");
        foreach (var e in Parameters.CheckExpressions(p, path)) yield return e;
    }

    public async Task<NodeOutput> ExecuteAsync(NodeContext context, CancellationToken ct)
    {
        var p = context.ResolveParameters(ct);
        var url = Parameters.String(p, "url") ?? throw new PermanentNodeException("'url' resolved to nothing.");
        if (CheckUrl(url) is { } error) throw new PermanentNodeException($"url '{url}' {error}.");
        var uri = new Uri(url);

        using var request = new HttpRequestMessage(new HttpMethod((Parameters.String(p, "method") ?? "GET").ToUpperInvariant()), uri);
        if (p["body"] is { } body)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (p["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                var text = value?.GetValue<string>() ?? "";
                if (!request.Headers.TryAddWithoutValidation(name, text)) request.Content?.Headers.TryAddWithoutValidation(name, text);
            }
        }
        if (IdempotencyKey(p, context) is { } idempotencyKey)
        {
            request.Headers.Remove(IdempotencyKeyHeader); // the node's own value wins over one in `headers`
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, idempotencyKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is RefusedAddressException refused)
        {
            throw new PermanentNodeException(refused.Message, e);
        }

        using (response)
        {
            var output = new JsonObject
            {
                ["status"] = (int)response.StatusCode,
                ["headers"] = ReadHeaders(response),
                ["body"] = await ReadBodyAsync(response, ct),
            };

            var failOnError = p["failOnError"] is not JsonValue fv || !fv.TryGetValue<bool>(out var f) || f;
            var status = (int)response.StatusCode;
            if (failOnError && status >= 400)
            {
                var message = $"{request.Method} {uri} answered {status} {response.ReasonPhrase}.";
                if (status >= 500 || status == 429) throw new HttpRequestException(message, null, response.StatusCode);
                throw new PermanentNodeException(message);
            }
            return new NodeOutput(output);
        }
    }

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The key for this node in this execution: stable across attempts and redeliveries (see the class remarks).</summary>
    private static string? IdempotencyKey(JsonObject p, NodeContext context)
    {
        switch (p["idempotencyKey"])
        {
            case null:
                return $"{context.Scope.ExecutionId}:{context.Node.Id}";
            case JsonValue v when v.TryGetValue<bool>(out var on) && !on:
                return null;
            case JsonValue v when v.TryGetValue<string>(out var key) && IsHeaderValue(key):
                return key;
            case var other:
                throw new PermanentNodeException($"idempotencyKey resolved to {other.ToJsonString()}, which is not a usable header value.");
        }
    }

    private static bool IsHeaderValue(string value) =>
        value.Length is > 0 and <= 255 && value.All(c => c is >= ' ' and <= '~');

    private string? CheckUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return "must be an absolute http or https URL";
        if (!_policy.IsHostAllowed(uri.IdnHost))
            return $"host '{uri.IdnHost}' is not in the allowed hosts";
        var name = uri.IdnHost.TrimEnd('.'); // "localhost." and "169.254.169.254." are the same hosts, fully qualified
        if (IPAddress.TryParse(name.Trim('[', ']'), out var ip) && !_policy.IsAddressAllowed(ip))
            return $"address {ip} is private, loopback or link-local, which is not allowed";
        // localhost names resolve to loopback by definition (RFC 6761): refuse them before any lookup.
        if ((name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            && !_policy.IsAddressAllowed(IPAddress.Loopback))
            return $"host '{uri.IdnHost}' is loopback, which is not allowed";
        return null;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        var allowed = addresses.Where(_policy.IsAddressAllowed).ToArray();
        if (allowed.Length == 0)
            throw new RefusedAddressException(
                $"host '{context.DnsEndPoint.Host}' resolves only to private, loopback or link-local addresses ({string.Join(", ", addresses.Select(a => a.ToString()))}), which are not allowed");

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static JsonObject ReadHeaders(HttpResponseMessage response)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        return headers;
    }

    private async Task<JsonNode?> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > _policy.MaxResponseBytes)
            throw new PermanentNodeException($"The response is {response.Content.Headers.ContentLength} bytes; the limit is {_policy.MaxResponseBytes}.");

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > _policy.MaxResponseBytes)
                throw new PermanentNodeException($"The response is larger than the limit of {_policy.MaxResponseBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return null;

        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try { return JsonNode.Parse(text); }
            catch (JsonException) { /* a server that mislabels its body: keep it as text */ }
        }
        return JsonValue.Create(text);
    }

    public void Dispose() => _client.Dispose();

    private sealed class RefusedAddressException(string message) : IOException(message);
}
