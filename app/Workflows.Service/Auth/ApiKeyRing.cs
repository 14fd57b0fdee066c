using System.Security.Cryptography;
using System.Text;
using Workflows.Service.Secrets;

namespace Workflows.Service.Auth;

/// <summary>
/// The keys the API accepts, as SHA-256 hashes: those configured as hashes, and those read from key files, hashed
/// once per change of the file rather than per request. A file change swaps the whole set at once.
/// </summary>
public sealed class ApiKeyRing
{
    public sealed record Key(byte[] Hash, ApiKeyEntry Owner);

    private readonly ApiKeyEntry[] _hashed;
    private readonly (ApiKeyEntry Entry, SecretFile File)[] _files;
    private volatile Key[] _keys = [];

    public ApiKeyRing(IEnumerable<ApiKeyEntry> entries, IReadOnlyList<(ApiKeyEntry Entry, SecretFile File)> files)
    {
        _hashed = entries.Where(e => string.IsNullOrEmpty(e.File)).ToArray();
        _files = files.ToArray();
        foreach (var (_, file) in _files) file.Changed += _ => Rebuild();
        Rebuild();
    }

    public IReadOnlyList<Key> Keys => _keys;

    private void Rebuild() => _keys =
    [
        .. _hashed.Select(e => new Key(Convert.FromHexString(e.Sha256), e)),
        .. _files.SelectMany(f => f.File.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => new Key(SHA256.HashData(Encoding.UTF8.GetBytes(line)), f.Entry))),
    ];
}
