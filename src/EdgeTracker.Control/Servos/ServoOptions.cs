namespace EdgeTracker.Control.Servos;

/// <summary>
/// One hobby servo on one PCA9685 channel. Angles are head angles in degrees, 0 = straight ahead after trim;
/// positive pan turns right, positive tilt turns up (set <see cref="Inverted"/> when the linkage turns the other way).
/// </summary>
public sealed record ServoOptions
{
    /// <summary>PCA9685 channel 0..15.</summary>
    public int Channel { get; init; }

    /// <summary>Pulse at <see cref="MinAngleDeg"/>, µs (typical 500..1000).</summary>
    public double MinPulseUs { get; init; } = 500;

    /// <summary>Pulse at <see cref="MaxAngleDeg"/>, µs (typical 2000..2500).</summary>
    public double MaxPulseUs { get; init; } = 2500;

    /// <summary>The servo's mechanical angle at <see cref="MinPulseUs"/>, degrees from its centre.</summary>
    public double MinAngleDeg { get; init; } = -90;

    /// <summary>The servo's mechanical angle at <see cref="MaxPulseUs"/>, degrees from its centre.</summary>
    public double MaxAngleDeg { get; init; } = 90;

    /// <summary>The servo turns the opposite way to the head's positive direction.</summary>
    public bool Inverted { get; init; }

    /// <summary>Mechanical angle that points the head straight ahead (mounting error), degrees.</summary>
    public double CenterTrimDeg { get; init; }

    /// <summary>How fast the servo can turn, deg/s (a 0.12 s/60° servo: 500). Commands never ask for more.</summary>
    public double MaxSpeedDegPerSecond { get; init; } = 300;

    /// <summary>Lowest head angle any input can reach, degrees.</summary>
    public double SoftMinDeg { get; init; } = -80;

    /// <summary>Highest head angle any input can reach, degrees.</summary>
    public double SoftMaxDeg { get; init; } = 80;

    /// <summary>Where "home" (and park) points, head degrees.</summary>
    public double HomeDeg { get; init; }
}
