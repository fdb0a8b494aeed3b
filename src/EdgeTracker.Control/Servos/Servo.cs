namespace EdgeTracker.Control.Servos;

/// <summary>
/// The servo model: soft limits that no input can exceed, speed limit, and the head-angle → pulse mapping with
/// centre trim and inversion. Immutable; built once from validated <see cref="ServoOptions"/>.
/// </summary>
public sealed class Servo
{
    /// <summary>Builds the model. Options are expected to be validated (<see cref="PanTiltOptions.Validate"/>).</summary>
    public Servo(ServoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        // The reachable head range is the soft range cut to what the servo can physically do after trim.
        var mechanicalLow = options.MinAngleDeg - options.CenterTrimDeg;
        var mechanicalHigh = options.MaxAngleDeg - options.CenterTrimDeg;
        if (options.Inverted)
        {
            (mechanicalLow, mechanicalHigh) = (-mechanicalHigh, -mechanicalLow);
        }
        MinDeg = Math.Max(options.SoftMinDeg, mechanicalLow);
        MaxDeg = Math.Min(options.SoftMaxDeg, mechanicalHigh);
        if (!(MinDeg < MaxDeg))
        {
            throw new ArgumentException(
                $"Servo on channel {options.Channel}: soft limits {options.SoftMinDeg}..{options.SoftMaxDeg}° leave no room inside the " +
                $"servo's {options.MinAngleDeg}..{options.MaxAngleDeg}° with trim {options.CenterTrimDeg}°.", nameof(options));
        }
    }

    /// <summary>The options it was built from.</summary>
    public ServoOptions Options { get; }

    /// <summary>PCA9685 channel.</summary>
    public int Channel => Options.Channel;

    /// <summary>Lowest reachable head angle (soft limit, cut to the mechanical range).</summary>
    public double MinDeg { get; }

    /// <summary>Highest reachable head angle.</summary>
    public double MaxDeg { get; }

    /// <summary>Home angle, inside the limits.</summary>
    public double HomeDeg => Clamp(Options.HomeDeg);

    /// <summary>Maximum speed, deg/s.</summary>
    public double MaxSpeedDegPerSecond => Options.MaxSpeedDegPerSecond;

    /// <summary>Clamps a head angle to the limits; a NaN becomes home so that no input can drive the servo anywhere else.</summary>
    public double Clamp(double headDeg) =>
        double.IsNaN(headDeg) ? Math.Clamp(Options.HomeDeg, MinDeg, MaxDeg) : Math.Clamp(headDeg, MinDeg, MaxDeg);

    /// <summary>Moves from <paramref name="fromDeg"/> toward <paramref name="toDeg"/> no faster than the servo can, then clamps.</summary>
    public double StepToward(double fromDeg, double toDeg, double seconds)
    {
        var maxStep = MaxSpeedDegPerSecond * Math.Max(0, seconds);
        return Clamp(fromDeg + Math.Clamp(toDeg - fromDeg, -maxStep, maxStep));
    }

    /// <summary>The pulse, µs, that puts the head at <paramref name="headDeg"/> (clamped to the limits first).</summary>
    public double PulseFor(double headDeg)
    {
        var head = Clamp(headDeg);
        var mechanical = (Options.Inverted ? -head : head) + Options.CenterTrimDeg;
        var fraction = (mechanical - Options.MinAngleDeg) / (Options.MaxAngleDeg - Options.MinAngleDeg);
        var pulse = Options.MinPulseUs + fraction * (Options.MaxPulseUs - Options.MinPulseUs);
        return Math.Clamp(pulse, Math.Min(Options.MinPulseUs, Options.MaxPulseUs), Math.Max(Options.MinPulseUs, Options.MaxPulseUs));
    }

    /// <summary>The head angle a pulse produces (the inverse of <see cref="PulseFor"/>, without clamping).</summary>
    public double AngleFor(double pulseUs)
    {
        var fraction = (pulseUs - Options.MinPulseUs) / (Options.MaxPulseUs - Options.MinPulseUs);
        var mechanical = Options.MinAngleDeg + fraction * (Options.MaxAngleDeg - Options.MinAngleDeg);
        var head = mechanical - Options.CenterTrimDeg;
        return Options.Inverted ? -head : head;
    }
}
