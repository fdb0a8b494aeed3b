using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeTracker.Hosting.Metrics;

/// <summary>
/// A Prometheus histogram of durations, recorded lock-free from the frame loop (no allocation) and read by the
/// /metrics endpoint. Buckets suit a frame loop: 0.5 ms to 5 s.
/// </summary>
public sealed class LatencyHistogram
{
    private static readonly double[] BoundsSeconds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
    private static readonly long[] BoundsTicks = BoundsSeconds.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();
    private readonly long[] _buckets = new long[BoundsSeconds.Length];
    private long _count;
    private long _sumTicks;
    private long _lastTicks;

    /// <summary>Records one duration in <see cref="Stopwatch"/> ticks.</summary>
    public void Record(long ticks)
    {
        if (ticks < 0) ticks = 0;
        for (var i = 0; i < BoundsTicks.Length; i++)
        {
            if (ticks <= BoundsTicks[i])
            {
                Interlocked.Increment(ref _buckets[i]);
                break;
            }
        }
        Interlocked.Add(ref _sumTicks, ticks);
        Interlocked.Increment(ref _count);
        Volatile.Write(ref _lastTicks, ticks);
    }

    public long Count => Volatile.Read(ref _count);

    /// <summary>The most recent duration in milliseconds (for the status line and the page).</summary>
    public double LastMilliseconds => Volatile.Read(ref _lastTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>The mean in milliseconds since start.</summary>
    public double MeanMilliseconds => Count == 0 ? 0 : Volatile.Read(ref _sumTicks) * 1000.0 / Stopwatch.Frequency / Count;

    /// <summary>Writes the _bucket, _sum and _count lines (the caller wrote # HELP and # TYPE once).</summary>
    public void WriteTo(StringBuilder text, string name, string labels)
    {
        long cumulative = 0;
        for (var i = 0; i < BoundsSeconds.Length; i++)
        {
            cumulative += Volatile.Read(ref _buckets[i]);
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{BoundsSeconds[i]}\"}} {cumulative}\n");
        }
        var count = Count;
        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {count}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {Volatile.Read(ref _sumTicks) / (double)Stopwatch.Frequency}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {count}\n");
    }
}
