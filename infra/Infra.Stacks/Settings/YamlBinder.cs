using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Infra.Stacks.Settings;

/// <summary>
/// Binds a YAML document to the settings records by reflection, collecting every error with its key path and line:
/// unknown keys (with the known ones listed), wrong types, missing required keys. YamlDotNet's own deserializer stops
/// at the first problem and reports positions, not key paths, hence this small binder over its node model.
/// </summary>
public static class YamlBinder
{
    public static T Bind<T>(string yaml, List<SettingsError> errors) where T : class
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            errors.Add(new SettingsError("(file)", $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"));
            return null!;
        }
        if (stream.Documents.Count != 1)
        {
            errors.Add(new SettingsError("(file)", $"must hold exactly one YAML document, found {stream.Documents.Count}"));
            return null!;
        }
        return (T)Bind(stream.Documents[0].RootNode, typeof(T), "", errors)!;
    }

    private static object? Bind(YamlNode node, Type type, string path, List<SettingsError> errors)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } nullable && IsNull(nullable))
        {
            if (underlying is not null || !type.IsValueType) return null;
            errors.Add(Error(path, node, $"must not be empty (expected {Describe(type)})"));
            return null;
        }
        type = underlying ?? type;

        if (type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(double))
        {
            if (node is not YamlScalarNode scalar)
            {
                errors.Add(Error(path, node, $"must be {Describe(type)}, not a {(node is YamlMappingNode ? "mapping" : "list")}"));
                return null;
            }
            return Scalar(scalar, type, path, errors);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (node is not YamlSequenceNode sequence)
            {
                errors.Add(Error(path, node, $"must be a list of {Describe(type.GetGenericArguments()[0])}"));
                return null;
            }
            var list = (IList)Activator.CreateInstance(type)!;
            var i = 0;
            foreach (var item in sequence.Children) list.Add(Bind(item, type.GetGenericArguments()[0], $"{path}[{i++}]", errors));
            return list;
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(Error(path, node, "must be a mapping of keys"));
            return null;
        }
        return Record(mapping, type, path, errors);
    }

    private static object Record(YamlMappingNode mapping, Type type, string path, List<SettingsError> errors)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).ToDictionary(p => CamelCase(p.Name), StringComparer.Ordinal);
        var instance = Activator.CreateInstance(type)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var keyPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!properties.TryGetValue(key, out var property))
            {
                errors.Add(Error(keyPath, keyNode, $"unknown key; known keys here: {string.Join(", ", properties.Keys.Order())}"));
                continue;
            }
            seen.Add(key);
            var value = Bind(valueNode, property.PropertyType, keyPath, errors);
            if (value is not null || Nullable.GetUnderlyingType(property.PropertyType) is not null || !property.PropertyType.IsValueType)
                property.SetValue(instance, value);
        }

        foreach (var (key, property) in properties)
        {
            if (!seen.Contains(key) && property.GetCustomAttribute<RequiredMemberAttribute>() is not null)
            {
                var keyPath = path.Length == 0 ? key : $"{path}.{key}";
                errors.Add(new SettingsError(keyPath, $"is required (line {mapping.Start.Line} starts the mapping that lacks it)"));
            }
        }
        return instance;
    }

    private static object? Scalar(YamlScalarNode scalar, Type type, string path, List<SettingsError> errors)
    {
        var text = scalar.Value ?? "";
        if (type == typeof(string)) return text;
        if (type == typeof(bool) && bool.TryParse(text, out var b)) return b;
        if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        if (type.IsEnum)
        {
            var match = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, text.Replace("-", "").Replace("_", ""), StringComparison.OrdinalIgnoreCase));
            if (match is not null) return Enum.Parse(type, match);
        }
        errors.Add(Error(path, scalar, $"'{text}' is not {Describe(type)}"));
        return null;
    }

    private static bool IsNull(YamlScalarNode scalar) => scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(string) => "a string",
        _ when type == typeof(int) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type).Select(Kebab)),
        _ when Nullable.GetUnderlyingType(type) is { } u => Describe(u),
        _ => "a " + type.Name,
    };

    private static SettingsError Error(string path, YamlNode node, string message) =>
        new(path.Length == 0 ? "(file)" : path, $"{message} (line {node.Start.Line})");

    private static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    public static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
