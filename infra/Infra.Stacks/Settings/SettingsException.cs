namespace Infra.Stacks.Settings;

/// <param name="Path">The key path, e.g. <c>web.minCapacity</c>, or <c>(file)</c> for the whole file.</param>
public sealed record SettingsError(string Path, string Message);

/// <summary>Bad settings: every problem in one file, each with its key path. The app prints these and exits 2.</summary>
public sealed class SettingsException(string file, IReadOnlyList<SettingsError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => $"{file}: {e.Path}: {e.Message}")))
{
    public string File { get; } = file;
    public IReadOnlyList<SettingsError> Errors { get; } = errors;
}
