namespace EdgeTracker.Messaging.Contract;

/// <summary>The units of a target/set box.</summary>
public enum BoxUnits
{
    /// <summary>Pixels of the source frame (the default).</summary>
    Pixels,

    /// <summary>Fractions of the frame's width and height (0..1).</summary>
    Normalised,
}

/// <summary>A parsed, validated command. The daemon's handler switches on the concrete type.</summary>
/// <param name="RequestId">The caller's id, echoed in the reply.</param>
public abstract record CommandRequest(string RequestId);

/// <summary><c>&lt;camera&gt;/target/set</c>: follow the object in <see cref="Box"/>.</summary>
/// <param name="RequestId">The caller's id, echoed in the reply.</param>
/// <param name="Camera">The camera from the topic.</param>
/// <param name="Id">The target id requested, or null (the daemon assigns one).</param>
/// <param name="Box">The box as sent: x, y &gt;= 0, w, h &gt; 0 (and within 0..1 for normalised units).</param>
/// <param name="Units">Pixels (default) or normalised.</param>
/// <param name="Frame">The sequence number of the picture the box was drawn on, or null for "the latest".</param>
/// <param name="Label">An optional label shown with the target.</param>
public sealed record TargetSetRequest(string RequestId, string Camera, string? Id, Box Box, BoxUnits Units, long? Frame, string? Label)
    : CommandRequest(RequestId)
{
    /// <summary>
    /// The box in pixels of a <paramref name="frameWidth"/> × <paramref name="frameHeight"/> frame, checked to
    /// overlap the frame (the parser cannot know the frame size). The error names <c>box</c>.
    /// </summary>
    public bool TryResolvePixels(int frameWidth, int frameHeight, out Box pixels, out CommandError? error)
    {
        pixels = Units == BoxUnits.Normalised
            ? new Box(Box.X * frameWidth, Box.Y * frameHeight, Box.W * frameWidth, Box.H * frameHeight)
            : Box;
        if (pixels.X >= frameWidth || pixels.Y >= frameHeight || pixels.X + pixels.W > frameWidth + 0.5 || pixels.Y + pixels.H > frameHeight + 0.5)
        {
            error = new CommandError(RequestId, "box", $"must lie inside the {frameWidth}x{frameHeight} frame");
            return false;
        }
        error = null;
        return true;
    }
}

/// <summary><c>&lt;camera&gt;/target/clear</c>: stop following <see cref="Id"/>, or every target when null.</summary>
public sealed record TargetClearRequest(string RequestId, string Camera, string? Id) : CommandRequest(RequestId);

/// <summary><c>&lt;camera&gt;/snapshot/get</c>: publish one JPEG on <c>&lt;camera&gt;/snapshot</c>.</summary>
public sealed record SnapshotGetRequest(string RequestId, string Camera) : CommandRequest(RequestId);

/// <summary><c>config/set</c>: the settings to change (null fields unchanged; at least one is set).</summary>
public sealed record ConfigSetRequest(string RequestId, RuntimeSettings Settings) : CommandRequest(RequestId);

/// <summary>Why a command was refused: the field (dotted path; <c>$</c> for the whole payload) and the problem.
/// <see cref="RequestId"/> is echoed when it could be read.</summary>
public sealed record CommandError(string? RequestId, string Field, string Message);

/// <summary>Either a request or an error — never both.</summary>
public readonly record struct CommandParseResult(CommandRequest? Request, CommandError? Error)
{
    public bool IsValid => Request is not null;

    public static implicit operator CommandParseResult(CommandRequest request) => new(request, null);
    public static implicit operator CommandParseResult(CommandError error) => new(null, error);
}

/// <summary>What a <c>pantilt/set</c> command asks of the pan-tilt head.</summary>
public enum PanTiltAction
{
    /// <summary>Follow the target automatically.</summary>
    Enable,

    /// <summary>Stop following; the head stays where it is.</summary>
    Disable,

    /// <summary>Point the head home now.</summary>
    Home,

    /// <summary>Turn the head by <see cref="PanTiltRequest.Pan"/> and <see cref="PanTiltRequest.Tilt"/> degrees.</summary>
    Nudge,

    /// <summary>Follow the target <see cref="PanTiltRequest.Target"/> (null: the first target that is tracking).</summary>
    Follow,
}

/// <summary><c>pantilt/set</c>: enable, disable, home or nudge the device's pan-tilt head, or choose the target it follows.</summary>
/// <param name="RequestId">The caller's id, echoed in the reply.</param>
/// <param name="Action">What to do.</param>
/// <param name="Pan">For <see cref="PanTiltAction.Nudge"/>: degrees to the right (negative: left); otherwise 0.</param>
/// <param name="Tilt">For <see cref="PanTiltAction.Nudge"/>: degrees up (negative: down); otherwise 0.</param>
/// <param name="Target">For <see cref="PanTiltAction.Follow"/>: the target id to follow; null = the first target that is tracking.</param>
public sealed record PanTiltRequest(string RequestId, PanTiltAction Action, double Pan, double Tilt, string? Target = null) : CommandRequest(RequestId);
