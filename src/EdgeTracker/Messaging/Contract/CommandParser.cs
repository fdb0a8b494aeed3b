using System.Text.Json;

namespace EdgeTracker.Messaging.Contract;

/// <summary>
/// Parses and validates command payloads into typed requests. Never throws on bad input: every problem becomes a
/// <see cref="CommandError"/> naming the field (<c>box.w</c>, <c>units</c>, <c>settings.snapshotQuality</c>, <c>$</c>
/// for the payload itself) and what is wrong with it, ready to go into a <see cref="Reply"/>. Unknown fields are
/// ignored (clients may be newer than us), except inside <c>settings</c>, where a misspelt name must not pass silently.
/// </summary>
public static class CommandParser
{
    /// <summary>The largest command payload accepted.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    public const int MaxIdLength = 64;
    public const int MaxRequestIdLength = 128;
    public const int MaxLabelLength = 128;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 16,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses the payload of <paramref name="kind"/> for <paramref name="camera"/> (null for config/set).</summary>
    public static CommandParseResult Parse(CommandKind kind, string? camera, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            return new CommandError(null, "$", $"is {payload.Length} bytes; at most {MaxPayloadBytes} are accepted");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), DocumentOptions);
        }
        catch (JsonException e)
        {
            return new CommandError(null, "$", $"is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new CommandError(null, "$", $"must be a JSON object, not {Describe(root.ValueKind)}");
            }
            if (!TryRequestId(root, out var requestId, out var error))
            {
                return error!;
            }
            return kind switch
            {
                CommandKind.TargetSet => ParseTargetSet(root, requestId, camera!),
                CommandKind.TargetClear => ParseTargetClear(root, requestId, camera!),
                CommandKind.SnapshotGet => new SnapshotGetRequest(requestId, camera!),
                CommandKind.ConfigSet => ParseConfigSet(root, requestId),
                CommandKind.PanTiltSet => ParsePanTilt(root, requestId),
                _ => new CommandError(requestId, "$", $"unknown command {kind}"),
            };
        }
    }

    private static CommandParseResult ParseTargetSet(JsonElement root, string requestId, string camera)
    {
        if (!TryOptionalId(root, "id", requestId, out var id, out var error)) return error!;
        if (!TryOptionalText(root, "label", MaxLabelLength, requestId, out var label, out error)) return error!;

        var units = BoxUnits.Pixels;
        if (root.TryGetProperty("units", out var unitsElement) && unitsElement.ValueKind != JsonValueKind.Null)
        {
            if (unitsElement.ValueKind != JsonValueKind.String) return new CommandError(requestId, "units", $"must be \"px\" or \"norm\", not {Describe(unitsElement.ValueKind)}");
            units = unitsElement.GetString() switch
            {
                "px" => BoxUnits.Pixels,
                "norm" => BoxUnits.Normalised,
                var other => (BoxUnits)(-1),
            };
            if ((int)units == -1) return new CommandError(requestId, "units", $"must be \"px\" or \"norm\", not \"{unitsElement.GetString()}\"");
        }

        long? frame = null;
        if (root.TryGetProperty("frame", out var frameElement) && frameElement.ValueKind != JsonValueKind.Null)
        {
            if (frameElement.ValueKind != JsonValueKind.Number || !frameElement.TryGetInt64(out var f))
                return new CommandError(requestId, "frame", "must be an integer (the frame's sequence number)");
            if (f < 0) return new CommandError(requestId, "frame", "must be >= 0");
            frame = f;
        }

        if (!root.TryGetProperty("box", out var boxElement) || boxElement.ValueKind == JsonValueKind.Null)
            return new CommandError(requestId, "box", "is required");
        if (boxElement.ValueKind != JsonValueKind.Object)
            return new CommandError(requestId, "box", $"must be an object {{x, y, w, h}}, not {Describe(boxElement.ValueKind)}");
        Span<double> values = stackalloc double[4];
        ReadOnlySpan<string> names = ["x", "y", "w", "h"];
        for (var i = 0; i < 4; i++)
        {
            var field = "box." + names[i];
            if (!boxElement.TryGetProperty(names[i], out var v) || v.ValueKind == JsonValueKind.Null) return new CommandError(requestId, field, "is required");
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
                return new CommandError(requestId, field, $"must be a number, not {Describe(v.ValueKind)}");
        }
        var box = new Box(values[0], values[1], values[2], values[3]);
        if (box.W <= 0) return new CommandError(requestId, "box.w", "must be > 0");
        if (box.H <= 0) return new CommandError(requestId, "box.h", "must be > 0");
        if (box.X < 0) return new CommandError(requestId, "box.x", "must be >= 0");
        if (box.Y < 0) return new CommandError(requestId, "box.y", "must be >= 0");
        if (units == BoxUnits.Normalised)
        {
            const double slack = 1e-6; // rounding in clients that divide by the frame size
            if (box.X >= 1) return new CommandError(requestId, "box.x", "must be < 1 with units \"norm\"");
            if (box.Y >= 1) return new CommandError(requestId, "box.y", "must be < 1 with units \"norm\"");
            if (box.X + box.W > 1 + slack) return new CommandError(requestId, "box.w", "must keep x + w <= 1 with units \"norm\"");
            if (box.Y + box.H > 1 + slack) return new CommandError(requestId, "box.h", "must keep y + h <= 1 with units \"norm\"");
        }
        return new TargetSetRequest(requestId, camera, id, box, units, frame, label);
    }

    private static CommandParseResult ParseTargetClear(JsonElement root, string requestId, string camera)
    {
        if (!TryOptionalId(root, "id", requestId, out var id, out var error)) return error!;
        return new TargetClearRequest(requestId, camera, id);
    }

    private static CommandParseResult ParseConfigSet(JsonElement root, string requestId)
    {
        if (!root.TryGetProperty("settings", out var settings) || settings.ValueKind == JsonValueKind.Null)
            return new CommandError(requestId, "settings", "is required");
        if (settings.ValueKind != JsonValueKind.Object)
            return new CommandError(requestId, "settings", $"must be an object, not {Describe(settings.ValueKind)}");
        double? rate = null, interval = null;
        int? quality = null;
        bool? panTilt = null;
        var count = 0;
        foreach (var property in settings.EnumerateObject())
        {
            var field = "settings." + property.Name;
            var value = property.Value;
            count++;
            switch (property.Name)
            {
                case "tracksMaxRateHz":
                    if (!TryNumber(value, 0, 1000, out var r)) return new CommandError(requestId, field, "must be a number from 0 (every frame) to 1000");
                    rate = r;
                    break;
                case "snapshotIntervalSeconds":
                    if (!TryNumber(value, 0, 86_400, out var s)) return new CommandError(requestId, field, "must be a number from 0 (off) to 86400");
                    interval = s;
                    break;
                case "snapshotQuality":
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var q) || q is < 1 or > 100)
                        return new CommandError(requestId, field, "must be an integer from 1 to 100");
                    quality = q;
                    break;
                case "panTiltEnabled":
                    if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return new CommandError(requestId, field, "must be true or false");
                    panTilt = value.GetBoolean();
                    break;
                default:
                    return new CommandError(requestId, field, "is not a setting that can be changed remotely (tracksMaxRateHz, snapshotIntervalSeconds, snapshotQuality, panTiltEnabled)");
            }
        }
        if (count == 0) return new CommandError(requestId, "settings", "must name at least one setting");
        return new ConfigSetRequest(requestId, new RuntimeSettings(rate, interval, quality, panTilt));
    }

    private static CommandParseResult ParsePanTilt(JsonElement root, string requestId)
    {
        if (!root.TryGetProperty("action", out var actionElement) || actionElement.ValueKind == JsonValueKind.Null)
            return new CommandError(requestId, "action", "is required (enable, disable, home, nudge or follow)");
        var action = actionElement.ValueKind == JsonValueKind.String
            ? actionElement.GetString() switch
            {
                "enable" => PanTiltAction.Enable,
                "disable" => PanTiltAction.Disable,
                "home" => PanTiltAction.Home,
                "nudge" => PanTiltAction.Nudge,
                "follow" => PanTiltAction.Follow,
                _ => (PanTiltAction)(-1),
            }
            : (PanTiltAction)(-1);
        if ((int)action == -1) return new CommandError(requestId, "action", "must be \"enable\", \"disable\", \"home\", \"nudge\" or \"follow\"");
        if (!TryOptionalId(root, "target", requestId, out var target, out var targetError)) return targetError!;
        if (target is not null && action != PanTiltAction.Follow) return new CommandError(requestId, "target", "is only given with action \"follow\"");
        Span<double> angles = stackalloc double[2];
        ReadOnlySpan<string> names = ["pan", "tilt"];
        var given = 0;
        for (var i = 0; i < 2; i++)
        {
            if (!root.TryGetProperty(names[i], out var v) || v.ValueKind == JsonValueKind.Null) continue;
            if (action != PanTiltAction.Nudge) return new CommandError(requestId, names[i], "is only given with action \"nudge\"");
            if (!TryNumber(v, -180, 180, out angles[i])) return new CommandError(requestId, names[i], "must be a number of degrees from -180 to 180");
            given++;
        }
        if (action == PanTiltAction.Nudge && given == 0) return new CommandError(requestId, "pan", "nudge needs pan or tilt (degrees)");
        return new PanTiltRequest(requestId, action, angles[0], angles[1], target);
    }

    private static bool TryNumber(JsonElement value, double min, double max, out double result)
    {
        result = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out result) && double.IsFinite(result) && result >= min && result <= max;
    }

    private static bool TryRequestId(JsonElement root, out string requestId, out CommandError? error)
    {
        requestId = "";
        error = null;
        if (!root.TryGetProperty("requestId", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = new CommandError(null, "requestId", "is required");
            return false;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            error = new CommandError(null, "requestId", $"must be a string, not {Describe(element.ValueKind)}");
            return false;
        }
        var text = element.GetString()!;
        if (text.Length is 0 or > MaxRequestIdLength || text.Any(char.IsControl))
        {
            error = new CommandError(null, "requestId", $"must be 1-{MaxRequestIdLength} printable characters");
            return false;
        }
        requestId = text;
        return true;
    }

    private static bool TryOptionalId(JsonElement root, string name, string requestId, out string? id, out CommandError? error)
    {
        if (!TryOptionalText(root, name, MaxIdLength, requestId, out id, out error)) return false;
        if (id is not null && !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            error = new CommandError(requestId, name, "may only contain letters, digits, '-', '_', '.' and ':'");
            return false;
        }
        return true;
    }

    private static bool TryOptionalText(JsonElement root, string name, int maxLength, string requestId, out string? text, out CommandError? error)
    {
        text = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.String)
        {
            error = new CommandError(requestId, name, $"must be a string, not {Describe(element.ValueKind)}");
            return false;
        }
        text = element.GetString()!;
        if (text.Length == 0 || text.Length > maxLength || text.Any(char.IsControl))
        {
            error = new CommandError(requestId, name, $"must be 1-{maxLength} printable characters");
            return false;
        }
        return true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
