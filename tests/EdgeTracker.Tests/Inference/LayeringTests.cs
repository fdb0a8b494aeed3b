using System.Reflection;

namespace EdgeTracker.Tests.Inference;

/// <summary>
/// The arrows of the architecture for the engine's areas, checked on type signatures (fields, properties, method
/// parameters and returns, base types): Inference knows nothing of tracking; Tracking knows nothing of evaluation,
/// the command line, messaging, web or hosting.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Host = typeof(EdgeTracker.Cli.CliApp).Assembly;

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is not null) yield return type.BaseType;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var f in type.GetFields(all)) yield return f.FieldType;
        foreach (var p in type.GetProperties(all)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(all))
        {
            yield return m.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
        }
        foreach (var c in type.GetConstructors(all))
        {
            foreach (var p in c.GetParameters()) yield return p.ParameterType;
        }
    }

    private static IEnumerable<Type> Expand(Type t)
    {
        yield return t;
        if (t.HasElementType) foreach (var e in Expand(t.GetElementType()!)) yield return e;
        if (t.IsGenericType) foreach (var a in t.GetGenericArguments().SelectMany(Expand)) yield return a;
    }

    [Theory]
    [InlineData("EdgeTracker.Inference", new[] { "EdgeTracker.Tracking", "EdgeTracker.Evaluation", "EdgeTracker.Cli", "EdgeTracker.Messaging", "EdgeTracker.Web", "EdgeTracker.Hosting" })]
    [InlineData("EdgeTracker.Tracking", new[] { "EdgeTracker.Evaluation", "EdgeTracker.Cli", "EdgeTracker.Messaging", "EdgeTracker.Web", "EdgeTracker.Hosting" })]
    public void An_area_does_not_reference_the_areas_above_it(string area, string[] forbidden)
    {
        var offenders = Host.GetTypes()
            .Where(t => t.Namespace is { } ns && (ns == area || ns.StartsWith(area + ".", StringComparison.Ordinal)))
            .SelectMany(t => Referenced(t).SelectMany(Expand).Select(r => (t, r)))
            .Where(p => p.r.Namespace is { } ns && forbidden.Any(f => ns == f || ns.StartsWith(f + ".", StringComparison.Ordinal)))
            .Select(p => $"{p.t.FullName} → {p.r.FullName}")
            .Distinct()
            .ToList();
        Assert.Empty(offenders);
    }
}
