namespace Infra.Stacks.Settings;

/// <summary>Reads <c>stacks/&lt;env&gt;.yaml</c> files into validated <see cref="EnvironmentSettings"/>.</summary>
public static class SettingsLoader
{
    /// <exception cref="SettingsException">the file is missing, unreadable, or has any bad key or value.</exception>
    public static EnvironmentSettings Load(string file)
    {
        if (!File.Exists(file)) throw new SettingsException(file, [new SettingsError("(file)", "does not exist")]);
        return Parse(File.ReadAllText(file), file);
    }

    public static EnvironmentSettings Parse(string yaml, string file)
    {
        var errors = new List<SettingsError>();
        var settings = YamlBinder.Bind<EnvironmentSettings>(yaml, errors);
        if (errors.Count == 0) errors.AddRange(SettingsValidator.Validate(settings, Path.GetFileNameWithoutExtension(file)));
        return errors.Count == 0 ? settings : throw new SettingsException(file, errors);
    }

    /// <summary>Every environment in a folder, sorted by name; <paramref name="only"/> limits it to one.</summary>
    public static IReadOnlyList<(string File, EnvironmentSettings Settings)> LoadAll(string folder, string? only = null)
    {
        if (!Directory.Exists(folder)) throw new SettingsException(folder, [new SettingsError("(folder)", "does not exist")]);
        var files = Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList();
        if (only is not null)
        {
            var file = Path.Combine(folder, only + ".yaml");
            if (!files.Contains(file))
                throw new SettingsException(file, [new SettingsError("(file)", $"no such environment; found: {string.Join(", ", files.Select(Path.GetFileNameWithoutExtension))}")]);
            files = [file];
        }
        if (files.Count == 0) throw new SettingsException(folder, [new SettingsError("(folder)", "holds no *.yaml environment files")]);
        return files.Select(f => (f, Load(f))).ToList();
    }
}
