namespace EdgeTracker.Control;

/// <summary>
/// Loop gains, shared by both axes. The loop is in velocity form: the head's angular rate is
/// Kp·e + Ki·∫e dt + Kd·de/dt (e = angle error, degrees) and the new angle is the old one plus rate · Δt, where Δt is the
/// measured interval between the frames' capture times. Gains are therefore per second and mean the same at 10 fps
/// as at 60 fps.
/// </summary>
public sealed record PanTiltGains
{
    /// <summary>Proportional gain, 1/s: the share of the angle error corrected per second (12 ⇒ 40 % a frame at 30 fps).</summary>
    public double Kp { get; init; } = 12;

    /// <summary>Integral gain, 1/s²: learns the target's angular velocity so a moving target is followed without lag.</summary>
    public double Ki { get; init; } = 30;

    /// <summary>
    /// Derivative gain, seconds·(1/s) = dimensionless: deg/s of rate per deg/s of error change. A little (0.2) damps the
    /// overshoot that the frame or two of latency between capture and servo motion causes; it is low-pass filtered
    /// because tracker boxes jitter.
    /// </summary>
    public double Kd { get; init; } = 0.2;

    /// <summary>Time constant of the low-pass filter on the derivative, seconds.</summary>
    public double DerivativeFilterSeconds { get; init; } = 0.1;

    /// <summary>Errors smaller than this (degrees) are treated as zero: the head stays still instead of hunting.</summary>
    public double DeadBandDeg { get; init; } = 0.5;

    /// <summary>Highest commanded angular rate, deg/s (also capped by each servo's maximum speed).</summary>
    public double MaxSlewDegPerSecond { get; init; } = 120;

    /// <summary>
    /// Largest share of the error corrected in one frame (Kp·Δt is capped at this; Ki is scaled down with it so the
    /// damping stays the same). The velocity form keeps gains meaningful across frame rates, but a sampled loop with a
    /// frame of latency rings once Kp·Δt passes ~0.6: at 10 fps a Kp of 12 would correct 120 % a frame. This cap
    /// keeps low frame rates stable with gains tuned at 30 fps.
    /// </summary>
    public double MaxCorrectionPerFrame { get; init; } = 0.4;

    /// <summary>
    /// The integral only learns while the error is within this many degrees (integral separation): a large error is a
    /// step (new target, re-acquisition), not a speed to learn, and integrating it only makes the head overshoot.
    /// </summary>
    public double IntegralZoneDeg { get; init; } = 2;

    /// <summary>
    /// Inside the dead band the integral fades with this time constant, seconds, so a target that stopped does not keep
    /// the head creeping out of the band (0 drops it at once).
    /// </summary>
    public double DeadBandIntegralDecaySeconds { get; init; } = 0.1;

    /// <summary>Largest integral contribution to the rate, deg/s (anti-windup clamp).</summary>
    public double IntegralLimitDegPerSecond { get; init; } = 60;
}
