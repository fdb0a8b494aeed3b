using System.Reflection;
using System.Text.RegularExpressions;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>The MQTT client knows no domain type: not the contract, not tracking, nothing else of ours.</summary>
public sealed class MessagingLayeringTests
{
    private static readonly string[] Forbidden = ["EdgeTracker.Messaging.Contract", "EdgeTracker.Tracking", "EdgeTracker.Inference",
        "EdgeTracker.Hosting", "EdgeTracker.Web", "EdgeTracker.Evaluation", "EdgeTracker.Camera", "EdgeTracker.Control", "EdgeTracker.Cli"];

    [Fact]
    public void No_signature_in_the_MQTT_layer_mentions_a_type_from_elsewhere_in_EdgeTracker()
    {
        var types = typeof(MqttClient).Assembly.GetTypes().Where(t => t.Namespace == "EdgeTracker.Messaging.Mqtt").ToList();
        Assert.Contains(typeof(MqttClient), types);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders = new List<string>();
        foreach (var type in types)
        {
            IEnumerable<(string Where, Type Used)> used =
                type.GetFields(all).Select(f => ($"{type.Name}.{f.Name}", f.FieldType))
                .Concat(type.GetProperties(all).Select(p => ($"{type.Name}.{p.Name}", p.PropertyType)))
                .Concat(type.GetMethods(all).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType).Select(t => ($"{type.Name}.{m.Name}", t))))
                .Concat(type.GetConstructors(all).SelectMany(c => c.GetParameters().Select(p => ($"{type.Name}..ctor", p.ParameterType))));
            foreach (var (where, usedType) in used)
            {
                foreach (var name in Flatten(usedType).Select(t => t.FullName ?? t.Name))
                {
                    if (Forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal))) offenders.Add($"{where} uses {name}");
                }
            }
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void No_source_file_of_the_MQTT_layer_imports_another_EdgeTracker_namespace()
    {
        var directory = RepoFile("src", "EdgeTracker", "Messaging", "Mqtt");
        var files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (var forbidden in Forbidden)
            {
                Assert.False(Regex.IsMatch(text, $@"\b{Regex.Escape(forbidden)}\b"), $"{Path.GetFileName(file)} mentions {forbidden}");
            }
        }
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.HasElementType)
            foreach (var t in Flatten(type.GetElementType()!)) yield return t;
        if (type.IsGenericType)
            foreach (var t in type.GetGenericArguments().SelectMany(Flatten)) yield return t;
    }

    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Edge.sln"))) return Path.Combine([dir.FullName, .. parts]);
        throw new InvalidOperationException($"no Edge.sln above {AppContext.BaseDirectory}");
    }
}
