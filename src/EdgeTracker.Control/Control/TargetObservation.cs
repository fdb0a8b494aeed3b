namespace EdgeTracker.Control;

/// <summary>
/// What the controller sees of one frame: the target's centre in pixels (when it is visible), the frame size and the
/// frame's capture time in <see cref="System.Diagnostics.Stopwatch"/> ticks (a camera <c>Frame.CaptureTimestamp</c>).
/// </summary>
/// <param name="Visible">Whether the tracker has the target in this frame.</param>
/// <param name="X">Target centre, pixels from the left edge (ignored when not visible).</param>
/// <param name="Y">Target centre, pixels from the top edge (ignored when not visible).</param>
/// <param name="FrameWidth">Frame width, pixels.</param>
/// <param name="FrameHeight">Frame height, pixels.</param>
/// <param name="Timestamp">Capture time, Stopwatch ticks; intervals between frames scale the gains.</param>
public readonly record struct TargetObservation(bool Visible, double X, double Y, int FrameWidth, int FrameHeight, long Timestamp)
{
    /// <summary>The target is at (<paramref name="x"/>, <paramref name="y"/>) in this frame.</summary>
    public static TargetObservation Seen(double x, double y, int frameWidth, int frameHeight, long timestamp) =>
        new(true, x, y, frameWidth, frameHeight, timestamp);

    /// <summary>No target in this frame (none selected, or the tracker lost it).</summary>
    public static TargetObservation Lost(int frameWidth, int frameHeight, long timestamp) =>
        new(false, 0, 0, frameWidth, frameHeight, timestamp);
}

/// <summary>What the pan-tilt loop is doing.</summary>
public enum PanTiltState
{
    /// <summary>Automatic tracking is off; the head holds still and obeys Home and Nudge only.</summary>
    Disabled,
    /// <summary>Enabled, no target (none yet, or back home after a loss).</summary>
    Idle,
    /// <summary>Following a visible target.</summary>
    Tracking,
    /// <summary>Target lost: holding still for <see cref="PanTiltOptions.LostHoldSeconds"/> in case it comes back.</summary>
    Holding,
    /// <summary>Target lost for longer than the hold: turning home at the home speed.</summary>
    Returning,
    /// <summary>Frames stopped arriving: stopped and parked at home until frames come again.</summary>
    Parked,
}

/// <summary>A snapshot of the loop for status messages and metrics.</summary>
/// <param name="State">What the loop is doing.</param>
/// <param name="Enabled">Whether automatic tracking is on.</param>
/// <param name="Driver">The head's driver name.</param>
/// <param name="PanDeg">Commanded pan angle, degrees (positive right).</param>
/// <param name="TiltDeg">Commanded tilt angle, degrees (positive up).</param>
/// <param name="PanErrorDeg">Last measured pan error, degrees (0 when no target).</param>
/// <param name="TiltErrorDeg">Last measured tilt error, degrees.</param>
/// <param name="Frames">Frames (observations) processed.</param>
/// <param name="HeadErrors">Head commands that failed (e.g. I2C errors); see <see cref="PanTiltController.LastHeadError"/>.</param>
public readonly record struct PanTiltStatus(
    PanTiltState State, bool Enabled, string Driver, double PanDeg, double TiltDeg,
    double PanErrorDeg, double TiltErrorDeg, long Frames, long HeadErrors);
