using System.Diagnostics;

namespace EdgeTracker.Control.Tests.Support;

/// <summary>A clock the test moves by hand, in Stopwatch ticks (so it matches frame timestamps).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    public long Now { get; set; } = 1_000_000;

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp() => Now;

    public void Advance(double seconds) => Now += Ticks(seconds);

    public static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);
}
