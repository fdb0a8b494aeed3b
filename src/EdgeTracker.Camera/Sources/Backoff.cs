namespace EdgeTracker.Camera.Sources;

/// <summary>
/// Exponential backoff with jitter for reopening a lost source: attempt n waits
/// min(<see cref="MaxDelay"/>, <see cref="InitialDelay"/> × 2^(n−1)), shortened by a random share of up to
/// <see cref="Jitter"/> so that cameras lost together (a switch reboot) do not retry in lockstep.
/// </summary>
public sealed record BackoffPolicy
{
    /// <summary>The wait before the first retry (default 0.5 s).</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The cap on any wait (default 30 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest share of a wait removed at random, 0–1 (default 0.25).</summary>
    public double Jitter { get; init; } = 0.25;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialDelay), InitialDelay, "must be positive");
        }
        if (MaxDelay < InitialDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, $"must be at least InitialDelay ({InitialDelay})");
        }
        if (!(Jitter >= 0 && Jitter <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "must be from 0 to 1");
        }
    }

    /// <summary>The wait before retry <paramref name="attempt"/> (1-based), given a uniform draw in [0, 1).</summary>
    public TimeSpan DelayFor(int attempt, double uniform)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // Doubling stops once past the cap, so large attempt numbers cannot overflow.
        var ceiling = InitialDelay.TotalMilliseconds;
        for (var i = 1; i < attempt && ceiling < MaxDelay.TotalMilliseconds; i++)
        {
            ceiling *= 2;
        }
        ceiling = Math.Min(ceiling, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * (1 - Jitter * uniform));
    }
}
