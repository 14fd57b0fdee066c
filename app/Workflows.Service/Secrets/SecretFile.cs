namespace Workflows.Service.Secrets;

/// <summary>
/// A secret delivered as a file that can change while the process runs: the host's refresher (EC2 timer, EKS
/// sidecar) rewrites it after Secrets Manager rotates the secret, and <see cref="SecretFileWatcher"/> re-reads it.
/// The value is read once here, so a missing or empty file stops start-up with the setting's name; later, a file
/// that is briefly missing or empty keeps the last good value (a refresher mid-write must not log anyone out).
/// The value never appears in messages.
/// </summary>
public sealed class SecretFile
{
    private readonly Lock _gate = new();
    private string _value;

    public SecretFile(string path, string settingKey)
    {
        Path = path;
        SettingKey = settingKey;
        if (!File.Exists(path)) throw new InvalidOperationException($"{settingKey} '{path}' does not exist.");
        _value = ReadOrNull() ?? throw new InvalidOperationException($"{settingKey} '{path}' is empty.");
    }

    public string Path { get; }

    /// <summary>The setting that named the file, for messages (e.g. <c>Redis:PasswordFile</c>).</summary>
    public string SettingKey { get; }

    public string Value { get { lock (_gate) return _value; } }

    /// <summary>Raised with the new value after the file's content changed; handlers must not throw.</summary>
    public event Action<string>? Changed;

    /// <summary>Re-reads the file; returns what happened so the watcher can log it.</summary>
    public SecretFileReading Refresh()
    {
        string? next;
        try { next = ReadOrNull(); }
        catch (IOException) { return SecretFileReading.Unreadable; }
        catch (UnauthorizedAccessException) { return SecretFileReading.Unreadable; }
        if (next is null) return SecretFileReading.Unreadable;
        lock (_gate)
        {
            if (next == _value) return SecretFileReading.Unchanged;
            _value = next;
        }
        Changed?.Invoke(next);
        return SecretFileReading.Changed;
    }

    private string? ReadOrNull()
    {
        if (!File.Exists(Path)) return null;
        var text = File.ReadAllText(Path).TrimEnd('\r', '\n');
        return text.Length == 0 ? null : text;
    }
}

public enum SecretFileReading { Unchanged, Changed, Unreadable }
