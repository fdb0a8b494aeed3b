using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeTracker.Tests.Messaging;

/// <summary>
/// A small JSON Schema (draft 2020-12) validator for the subset docs/schemas uses — no schema library restores here.
/// Keywords outside the subset throw, so a schema can never silently rely on something this does not check.
/// </summary>
internal sealed class JsonSchemaSubset
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description", "examples", "default", "$comment", "$defs"];
    private readonly JsonObject _root;

    public JsonSchemaSubset(JsonObject root) => _root = root;

    /// <summary>Every violation, as "path: problem"; empty when valid.</summary>
    public List<string> Validate(JsonNode? instance)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonNode schemaNode, JsonNode? value, string path, List<string> errors)
    {
        if (schemaNode is JsonValue boolean && boolean.TryGetValue<bool>(out var allow))
        {
            if (!allow) errors.Add($"{path}: no value is allowed here");
            return;
        }
        var schema = (JsonObject)schemaNode;
        foreach (var (keyword, argument) in schema)
        {
            if (Annotations.Contains(keyword)) continue;
            switch (keyword)
            {
                case "$ref":
                    Check(Resolve(argument!.GetValue<string>()), value, path, errors);
                    break;
                case "type":
                    var types = argument is JsonArray list ? list.Select(t => t!.GetValue<string>()).ToArray() : [argument!.GetValue<string>()];
                    if (!types.Any(t => IsType(value, t))) errors.Add($"{path}: must be {string.Join(" or ", types)}, is {TypeOf(value)}");
                    break;
                case "enum":
                    if (!((JsonArray)argument!).Any(e => JsonNode.DeepEquals(e, value))) errors.Add($"{path}: {value?.ToJsonString()} is not one of {argument!.ToJsonString()}");
                    break;
                case "const":
                    if (!JsonNode.DeepEquals(argument, value)) errors.Add($"{path}: must be {argument?.ToJsonString()}");
                    break;
                case "properties":
                    if (value is JsonObject o1)
                        foreach (var (name, sub) in (JsonObject)argument!)
                            if (o1.TryGetPropertyValue(name, out var v)) Check(sub!, v, $"{path}.{name}", errors);
                    break;
                case "required":
                    if (value is JsonObject o2)
                        foreach (var name in (JsonArray)argument!)
                            if (!o2.ContainsKey(name!.GetValue<string>())) errors.Add($"{path}: {name} is required");
                    break;
                case "additionalProperties":
                    if (value is JsonObject o3)
                    {
                        var known = schema["properties"] is JsonObject p ? p.Select(kv => kv.Key).ToHashSet() : [];
                        foreach (var (name, v) in o3)
                            if (!known.Contains(name)) Check(argument!, v, $"{path}.{name}", errors);
                    }
                    break;
                case "minProperties":
                    if (value is JsonObject o4 && o4.Count < argument!.GetValue<int>()) errors.Add($"{path}: needs at least {argument} properties");
                    break;
                case "items":
                    if (value is JsonArray a1)
                        for (var i = 0; i < a1.Count; i++) Check(argument!, a1[i], $"{path}[{i}]", errors);
                    break;
                case "minItems":
                    if (value is JsonArray a2 && a2.Count < argument!.GetValue<int>()) errors.Add($"{path}: needs at least {argument} items");
                    break;
                case "maxItems":
                    if (value is JsonArray a3 && a3.Count > argument!.GetValue<int>()) errors.Add($"{path}: allows at most {argument} items");
                    break;
                case "minimum":
                    if (Number(value) is { } n1 && n1 < argument!.GetValue<double>()) errors.Add($"{path}: must be >= {argument}");
                    break;
                case "maximum":
                    if (Number(value) is { } n2 && n2 > argument!.GetValue<double>()) errors.Add($"{path}: must be <= {argument}");
                    break;
                case "exclusiveMinimum":
                    if (Number(value) is { } n3 && n3 <= argument!.GetValue<double>()) errors.Add($"{path}: must be > {argument}");
                    break;
                case "exclusiveMaximum":
                    if (Number(value) is { } n4 && n4 >= argument!.GetValue<double>()) errors.Add($"{path}: must be < {argument}");
                    break;
                case "minLength":
                    if (Text(value) is { } s1 && CodePoints(s1) < argument!.GetValue<int>()) errors.Add($"{path}: shorter than {argument}");
                    break;
                case "maxLength":
                    if (Text(value) is { } s2 && CodePoints(s2) > argument!.GetValue<int>()) errors.Add($"{path}: longer than {argument}");
                    break;
                case "pattern":
                    if (Text(value) is { } s3 && !Regex.IsMatch(s3, argument!.GetValue<string>())) errors.Add($"{path}: '{s3}' does not match {argument}");
                    break;
                case "allOf":
                    foreach (var sub in (JsonArray)argument!) Check(sub!, value, path, errors);
                    break;
                case "anyOf":
                    if (!((JsonArray)argument!).Any(sub => Passes(sub!, value, path))) errors.Add($"{path}: matches none of anyOf");
                    break;
                case "oneOf":
                    var passing = ((JsonArray)argument!).Count(sub => Passes(sub!, value, path));
                    if (passing != 1) errors.Add($"{path}: matches {passing} of oneOf, must match exactly 1");
                    break;
                case "not":
                    if (Passes(argument!, value, path)) errors.Add($"{path}: must not match {argument!.ToJsonString()}");
                    break;
                default:
                    throw new NotSupportedException($"JSON Schema keyword '{keyword}' is outside the subset this test validator checks");
            }
        }
    }

    private bool Passes(JsonNode schema, JsonNode? value, string path)
    {
        var errors = new List<string>();
        Check(schema, value, path, errors);
        return errors.Count == 0;
    }

    private JsonNode Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) throw new NotSupportedException($"only local $ref are supported: {reference}");
        JsonNode node = _root;
        foreach (var part in reference[2..].Split('/'))
            node = node[part] ?? throw new InvalidOperationException($"$ref {reference} does not resolve");
        return node;
    }

    private static bool IsType(JsonNode? value, string type) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "number" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "integer" => Number(value) is { } n && Math.Floor(n) == n,
        "boolean" => value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "null" => value is null,
        _ => throw new NotSupportedException($"type {type}"),
    };

    private static string TypeOf(JsonNode? value) => value is null ? "null" : value.GetValueKind().ToString().ToLowerInvariant();

    private static double? Number(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture) : null;

    private static string? Text(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static int CodePoints(string s) => s.EnumerateRunes().Count();
}
