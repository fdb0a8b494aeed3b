namespace EdgeTracker.Messaging.Mqtt;

/// <summary>Topic names and filters: validation and <c>+</c>/<c>#</c> matching (MQTT 3.1.1 section 4.7).</summary>
public static class MqttTopic
{
    /// <summary>True when <paramref name="topic"/> may be published to: non-empty, no wildcards, no U+0000.</summary>
    public static bool IsValidTopicName(string topic, out string? reason)
    {
        reason = topic.Length == 0 ? "is empty"
            : topic.AsSpan().IndexOfAny('+', '#') >= 0 ? "contains a wildcard (+ or #)"
            : topic.Contains('\0') ? "contains U+0000"
            : null;
        return reason is null;
    }

    /// <summary>True when <paramref name="filter"/> is a valid subscription filter: <c>+</c> fills a whole level,
    /// <c>#</c> fills a whole level and is last.</summary>
    public static bool IsValidFilter(string filter, out string? reason)
    {
        reason = null;
        if (filter.Length == 0)
        {
            reason = "is empty";
            return false;
        }
        if (filter.Contains('\0'))
        {
            reason = "contains U+0000";
            return false;
        }
        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#') && (level.Length != 1 || i != levels.Length - 1))
            {
                reason = "uses # other than as the whole last level";
                return false;
            }
            if (level.Contains('+') && level.Length != 1)
            {
                reason = "uses + other than as a whole level";
                return false;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="topic"/> matches <paramref name="filter"/>. Topics starting with
    /// <c>$</c> are not matched by a filter starting with a wildcard (spec 4.7.2).</summary>
    public static bool Matches(string filter, string topic)
    {
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && (filter[0] == '+' || filter[0] == '#'))
        {
            return false;
        }
        var f = filter.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var fLevel = fEnd < 0 ? f : f[..fEnd];
            if (fLevel is "#")
            {
                return true; // matches this level and everything below, including the parent itself ("a/#" matches "a")
            }
            var tEnd = t.IndexOf('/');
            var tLevel = tEnd < 0 ? t : t[..tEnd];
            if (!(fLevel is "+") && !fLevel.SequenceEqual(tLevel))
            {
                return false;
            }
            if (fEnd < 0 || tEnd < 0)
            {
                // One side ended. Equal only if both ended, or the filter's remainder is exactly "/#".
                if (fEnd < 0 && tEnd < 0) return true;
                return tEnd < 0 && f[(fEnd + 1)..] is "#";
            }
            f = f[(fEnd + 1)..];
            t = t[(tEnd + 1)..];
        }
    }
}
