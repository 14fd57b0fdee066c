using System.Reflection;
using System.Security.Cryptography;

namespace Workflows.Service.OperatorConsole;

/// <summary>
/// The operator console's files (OperatorConsole/assets, embedded in the assembly so any working directory serves them),
/// loaded once. Assets are addressed by a version made from their content, so a URL's bytes never change and
/// browsers and CloudFront may keep them for a year; the page itself is never cached and names the current version.
/// </summary>
public sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    public sealed record Asset(byte[] Bytes, string ContentType);

    public string Version { get; }
    public string AssetPath => $"/static/console/{Version}";
    public IReadOnlyDictionary<string, Asset> Files { get; }
    public string Page { get; }

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order()
            .ToDictionary(n => n[Prefix.Length..], n => Read(assembly, n));
        if (!files.TryGetValue("index.html", out var page)) throw new InvalidOperationException("the console's index.html is not embedded");
        Version = Convert.ToHexStringLower(SHA256.HashData(files.Where(f => f.Key != "index.html").SelectMany(f => f.Value).ToArray()))[..12];
        Page = System.Text.Encoding.UTF8.GetString(page).Replace("{{ASSETS}}", AssetPath);
        Files = files.Where(f => f.Key != "index.html").ToDictionary(f => f.Key, f => new Asset(f.Value, ContentType(f.Key)));
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
