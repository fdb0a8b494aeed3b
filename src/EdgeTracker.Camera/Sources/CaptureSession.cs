namespace EdgeTracker.Camera.Sources;

/// <summary>How one open-and-stream session ended.</summary>
internal enum OutcomeKind
{
    /// <summary>The camera is being disposed.</summary>
    Stopped,

    /// <summary>A replay reached its end (not looping).</summary>
    Ended,

    /// <summary>Worth retrying (lost while open, or could not open this time).</summary>
    Lost,

    /// <summary>Will never work as configured.</summary>
    Failed,
}

/// <param name="Kind">How it ended.</param>
/// <param name="Reason">Why (for Lost and Failed).</param>
/// <param name="Stalled">Lost because frames stopped without an error.</param>
/// <param name="LostAt">Stopwatch timestamp the loss counts from (the last frame for a stall), 0: now.</param>
/// <param name="Frames">Frames delivered in this session.</param>
internal readonly record struct SessionOutcome(OutcomeKind Kind, string Reason, bool Stalled, long LostAt, long Frames)
{
    public static SessionOutcome Stopped(long frames) => new(OutcomeKind.Stopped, "", false, 0, frames);

    public static SessionOutcome Ended(long frames) => new(OutcomeKind.Ended, "end of stream", false, 0, frames);

    public static SessionOutcome Lost(string reason, long frames, bool stalled = false, long lostAt = 0) =>
        new(OutcomeKind.Lost, reason, stalled, lostAt, frames);

    public static SessionOutcome Failed(string reason) => new(OutcomeKind.Failed, reason, false, 0, 0);
}

/// <summary>One attempt at a source: opens it, reports the open, streams until stopped, lost or ended.</summary>
internal interface ICaptureSession : IDisposable
{
    /// <summary>Stopwatch timestamp of the first frame, 0 if the session never opened.</summary>
    long OpenedAt { get; }

    /// <summary>Runs on the capture thread until the session is over.</summary>
    SessionOutcome Run(CameraCapture camera);
}
