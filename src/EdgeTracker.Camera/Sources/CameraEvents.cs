namespace EdgeTracker.Camera.Sources;

/// <summary>
/// A transition of a <see cref="CameraCapture"/>, raised on its capture thread through
/// <see cref="CameraCapture.Transition"/>. Match on the concrete type.
/// </summary>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public abstract record CameraEvent(string Source, DateTimeOffset Time);

/// <summary>The source delivers frames: its negotiated picture size, rate and pixel format.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Fps">Frames a second the source states (0 when variable or unknown; the pace for image sequences).</param>
/// <param name="Format">The source's pixel format as delivered (always "BGR").</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraOpened(string Source, DateTimeOffset Time, int Width, int Height, double Fps, string Format)
    : CameraEvent(Source, Time);

/// <summary>An open source stopped delivering.</summary>
/// <param name="Reason">Why, in GStreamer's own words where it gave any.</param>
/// <param name="Stalled">True when no error was reported but frames stopped coming while the pipeline was playing.</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraLost(string Source, DateTimeOffset Time, string Reason, bool Stalled) : CameraEvent(Source, Time);

/// <summary>The source will be reopened after <paramref name="Delay"/>.</summary>
/// <param name="Attempt">1 for the first retry after a loss (or failed first open), counting up until it opens.</param>
/// <param name="Delay">The backoff wait before this attempt.</param>
/// <param name="LastError">Why the previous attempt (or the open source) failed.</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraRetrying(string Source, DateTimeOffset Time, int Attempt, TimeSpan Delay, string LastError)
    : CameraEvent(Source, Time);

/// <summary>A lost source delivers again; raised right after the <see cref="CameraOpened"/> of the reopen.</summary>
/// <param name="Outage">From the loss (the last frame's time for a stall) to the first new frame.</param>
/// <param name="Attempts">How many reopen attempts it took.</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraRecovered(string Source, DateTimeOffset Time, TimeSpan Outage, int Attempts) : CameraEvent(Source, Time);

/// <summary>A non-looping file or image sequence reached its end; not retried. Frames still queued can be read.</summary>
/// <param name="Frames">Frames delivered from this pass.</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraEnded(string Source, DateTimeOffset Time, long Frames) : CameraEvent(Source, Time);

/// <summary>
/// The source cannot work and will not be retried: a missing GStreamer element or library, a folder without
/// images, a pipeline that does not deliver BGR, or an error while replaying a file.
/// </summary>
/// <param name="Reason">What is wrong and, where known, what to install.</param>
/// <param name="Source">The source URI.</param>
/// <param name="Time">When it happened (wall clock).</param>
public sealed record CameraFailed(string Source, DateTimeOffset Time, string Reason) : CameraEvent(Source, Time);
