using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Workflows.Service.Metrics;

/// <summary>AWS credentials as the signer needs them.</summary>
public sealed record SigningCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>
/// AWS Signature Version 4 for one HTTP request (header-based auth). Written against the published specification
/// and checked against AWS's Signature V4 test suite (tests/Workflows.Tests/Metrics/SigV4SignerTests.cs).
/// AWSSDK.CloudWatch is not available here; AWSSDK.Core supplies the credentials, this class the signature.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Adds x-amz-date (and x-amz-security-token) and the Authorization header to the request; <c>body</c> is
    /// the exact bytes that will be sent.</summary>
    public static void Sign(HttpRequestMessage request, byte[] body, string region, string service, SigningCredentials credentials, DateTimeOffset now)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        request.Headers.Remove("x-amz-date");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.SessionToken is { } token)
        {
            request.Headers.Remove("x-amz-security-token");
            request.Headers.TryAddWithoutValidation("x-amz-security-token", token);
        }

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = request.Headers.Host ?? request.RequestUri!.Authority,
        };
        foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            var key = name.ToLowerInvariant();
            if (key is "authorization" or "user-agent" or "content-length" or "host") continue;
            headers[key] = string.Join(",", values.Select(Trim));
        }

        var authorization = Authorization(request.Method.Method, request.RequestUri!, headers, body, region, service, credentials, amzDate);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
    }

    /// <summary>The Authorization header value for a request described by its parts (headers keyed lower-case).</summary>
    public static string Authorization(string method, Uri uri, IReadOnlyDictionary<string, string> headers, byte[] body,
        string region, string service, SigningCredentials credentials, string amzDate)
    {
        var date = amzDate[..8];
        var scope = $"{date}/{region}/{service}/aws4_request";
        var signedHeaders = string.Join(";", headers.Keys.OrderBy(k => k, StringComparer.Ordinal));
        var canonicalRequest = string.Join("\n",
            method.ToUpperInvariant(),
            CanonicalPath(uri),
            CanonicalQuery(uri),
            string.Concat(headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}:{Trim(h.Value)}\n")),
            signedHeaders,
            Hex(SHA256.HashData(body)));
        var stringToSign = string.Join("\n", Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    private static string CanonicalPath(Uri uri)
    {
        var path = uri.AbsolutePath;
        if (string.IsNullOrEmpty(path)) return "/";
        // Each segment URI-encoded once (non-S3 services normalize the path first; our paths are plain).
        return string.Join("/", path.Split('/').Select(s => Encode(Uri.UnescapeDataString(s))));
    }

    private static string CanonicalQuery(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0) return "";
        return string.Join("&", query.Split('&')
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>RFC 3986 unreserved characters stay; everything else is %XX (upper-case hex).</summary>
    public static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Header values: trimmed, inner runs of spaces folded to one.</summary>
    private static string Trim(string value) => System.Text.RegularExpressions.Regex.Replace(value.Trim(), " +", " ");

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
