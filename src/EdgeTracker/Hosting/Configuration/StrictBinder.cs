using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EdgeTracker.Hosting.Configuration;

/// <summary>A configuration problem: the full key (<c>Mqtt:Port</c>) and why its value is refused.</summary>
public readonly record struct ConfigError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// Binds configuration onto an options object and, unlike <c>ConfigurationBinder</c>, never stops at the first
/// bad value: every value that does not parse, and every key no setting has (a typo would otherwise be ignored
/// silently for months), becomes a <see cref="ConfigError"/> naming the key.
/// </summary>
public static class StrictBinder
{
    /// <summary>Binds <paramref name="configuration"/>'s known sections onto <paramref name="target"/>.</summary>
    /// <remarks>Top-level keys that are no section of ours (Logging, environment noise) are left alone.</remarks>
    public static void Bind(IConfiguration configuration, object target, List<ConfigError> errors)
    {
        var properties = Properties(target.GetType());
        foreach (var child in configuration.GetChildren())
        {
            if (properties.TryGetValue(child.Key, out var property))
            {
                BindProperty(child, target, property, errors);
            }
        }
    }

    /// <summary>The settings of <paramref name="type"/> bound by their own name (not those sharing another's section).</summary>
    private static Dictionary<string, PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.GetCustomAttribute<SharesSectionAttribute>() is null)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The properties of <paramref name="type"/> whose settings sit in the section of <paramref name="section"/>.</summary>
    private static List<PropertyInfo> Companions(Type type, string section) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && string.Equals(p.GetCustomAttribute<SharesSectionAttribute>()?.Section, section, StringComparison.OrdinalIgnoreCase))
            .ToList();

    /// <summary>Binds one section onto one or more objects (a section's own object and those sharing it): each key goes to the first that has it.</summary>
    private static void BindObject(IConfigurationSection section, IReadOnlyList<object> targets, List<ConfigError> errors)
    {
        var properties = targets.Select(t => Properties(t.GetType())).ToList();
        var known = string.Join(", ", properties.SelectMany(p => p.Keys));
        if (section.Value is not null && !section.GetChildren().Any())
        {
            errors.Add(new(section.Path, $"is a section ({known}), not a value"));
            return;
        }
        foreach (var child in section.GetChildren())
        {
            var bound = false;
            for (var i = 0; i < targets.Count && !bound; i++)
            {
                if (properties[i].TryGetValue(child.Key, out var property))
                {
                    BindProperty(child, targets[i], property, errors);
                    bound = true;
                }
            }
            if (!bound)
            {
                errors.Add(new(child.Path, $"unknown setting (known here: {known})"));
            }
        }
    }

    private static void BindProperty(IConfigurationSection section, object target, PropertyInfo property, List<ConfigError> errors)
    {
        var type = property.PropertyType;
        if (TryParseScalar(type, out _, null, out _))
        {
            if (section.GetChildren().Any())
            {
                errors.Add(new(section.Path, "is a value, not a section"));
                return;
            }
            if (TryParseScalar(type, out var value, section.Value, out var why))
            {
                property.SetValue(target, value);
            }
            else
            {
                errors.Add(new(section.Path, why));
            }
            return;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var elementType = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            var children = section.GetChildren().ToList();
            if (elementType == typeof(string) && (children.Count == 0 || section.Value is not null))
            {
                // A list given as one value (an environment variable, a command-line override): comma-separated.
                // It replaces the file's list: a JSON array gives only items (Providers:0, :1 …), never a value of
                // the list itself, so a value here came from a later source, which wins.
                foreach (var item in (section.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    list.Add(item);
                }
                property.SetValue(target, list);
                return;
            }
            var existing = (IList?)property.GetValue(target);
            foreach (var child in children.OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    errors.Add(new(child.Path, "a list takes items 0, 1, 2, … here"));
                    continue;
                }
                if (elementType == typeof(string))
                {
                    list.Add(child.Value ?? "");
                    continue;
                }
                // An override such as --Cameras:0:Source=… changes one field of the configured item 0.
                var item = existing is not null && index < existing.Count ? existing[index]! : Activator.CreateInstance(elementType)!;
                BindObject(child, [item], errors);
                list.Add(item);
            }
            property.SetValue(target, list);
            return;
        }
        var nested = property.GetValue(target) ?? Activator.CreateInstance(type)!;
        var companions = Companions(target.GetType(), property.Name);
        var companionValues = companions.Select(c => c.GetValue(target) ?? Activator.CreateInstance(c.PropertyType)!).ToList();
        BindObject(section, [nested, .. companionValues], errors);
        property.SetValue(target, nested);
        for (var i = 0; i < companions.Count; i++)
        {
            companions[i].SetValue(target, companionValues[i]);
        }
    }

    private static bool TryParseScalar(Type type, out object? value, string? text, out string why)
    {
        value = null;
        why = "";
        var probe = text is null;
        text = text?.Trim() ?? "";
        if (type == typeof(string))
        {
            value = text;
            return true;
        }
        if (type == typeof(int))
        {
            if (probe) return true;
            var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? int.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) && (value = hex) is not null
                : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && (value = i) is not null;
            why = $"'{text}' is not a whole number";
            return ok;
        }
        if (type == typeof(double))
        {
            if (probe) return true;
            var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
            value = d;
            why = $"'{text}' is not a number";
            return ok;
        }
        if (type == typeof(bool))
        {
            if (probe) return true;
            var ok = bool.TryParse(text, out var b);
            value = b;
            why = $"'{text}' is not true or false";
            return ok;
        }
        if (type.IsEnum)
        {
            if (probe) return true;
            var ok = Enum.TryParse(type, text, ignoreCase: true, out value) && Enum.IsDefined(type, value!);
            why = $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}";
            return ok;
        }
        return false;
    }
}

/// <summary>
/// Binds a property's settings inside another property's section, beside that section's own keys: used where the
/// section's type belongs to a library that knows nothing of ours (<c>PanTilt:Camera</c> beside EdgeTracker.Control's
/// <c>PanTilt:*</c> options).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SharesSectionAttribute(string section) : Attribute
{
    /// <summary>The name of the property whose section this one's settings sit in.</summary>
    public string Section { get; } = section;
}
