using System.Reflection;
using System.Security.Cryptography;
using Amazon.CDK.AWS.Lambda;

namespace Infra.Stacks.Rotation;

/// <summary>
/// The rotation Lambda's code (Rotation/lambda/*.mjs, embedded in this assembly so synthesis works from any folder):
/// written once per content to a temporary folder, which CDK stages as an asset. No bundling: the function uses only
/// Node.js and the AWS SDK v3 that the Lambda runtime provides.
/// </summary>
public static class RotationCode
{
    private const string Prefix = "rotation-lambda/";
    private static readonly Lazy<string> Folder = new(Extract);

    public static Code Asset() => Code.FromAsset(Folder.Value);

    /// <summary>The handler, for the function's <c>Handler</c> property.</summary>
    public const string Handler = "index.handler";

    private static string Extract()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order().ToArray();
        if (files.Length == 0) throw new InvalidOperationException("the rotation Lambda's code is not embedded in Infra.Stacks (Rotation/lambda/*.mjs)");
        var contents = files.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return (Name: name[Prefix.Length..], Bytes: copy.ToArray());
        }).ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(contents.SelectMany(c => c.Bytes).ToArray()))[..16];
        var folder = Path.Combine(Path.GetTempPath(), $"workflows-rotation-{hash}");
        if (!Directory.Exists(folder))
        {
            var staging = folder + "." + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            foreach (var (name, bytes) in contents) File.WriteAllBytes(Path.Combine(staging, name), bytes);
            try { Directory.Move(staging, folder); }
            catch (IOException) when (Directory.Exists(folder)) { Directory.Delete(staging, recursive: true); } // another process won
        }
        return folder;
    }
}
