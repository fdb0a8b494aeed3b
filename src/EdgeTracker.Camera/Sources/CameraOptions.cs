namespace EdgeTracker.Camera.Sources;

/// <summary>How captured frames reach the consumer.</summary>
public enum FrameDelivery
{
    /// <summary>Latest-frame for live sources, every frame for replays (<see cref="SourceDescription.IsLive"/>).</summary>
    Auto,

    /// <summary>The consumer always gets the newest frame; older unread ones are dropped and counted.</summary>
    LatestFrame,

    /// <summary>A bounded queue; capture waits for the consumer, nothing is dropped (evaluation).</summary>
    EveryFrame,
}

/// <summary>Settings of one <see cref="CameraCapture"/>; the defaults suit a 30 fps camera.</summary>
public sealed record CameraOptions
{
    /// <summary>How frames are handed over (default <see cref="FrameDelivery.Auto"/>).</summary>
    public FrameDelivery Delivery { get; init; } = FrameDelivery.Auto;

    /// <summary>Queue length in <see cref="FrameDelivery.EveryFrame"/> mode (default 4).</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>
    /// Frames the consumer may hold at once beyond the one it is reading (default 2): the pool holds
    /// queue + capture + this many frames and never more.
    /// </summary>
    public int ConsumerHeldFrames { get; init; } = 2;

    /// <summary>Reopen waits for live sources.</summary>
    public BackoffPolicy Backoff { get; init; } = new();

    /// <summary>A stall is this many frame intervals without a frame while PLAYING (default 10).</summary>
    public int StallFrameIntervals { get; init; } = 10;

    /// <summary>The shortest stall timeout whatever the frame rate (default 2 s), so jitter is not a stall.</summary>
    public TimeSpan MinStallTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The stall timeout when the source states no frame rate (default 5 s); once frames arrive, their observed
    /// interval × <see cref="StallFrameIntervals"/> is used instead, capped at this value.
    /// </summary>
    public TimeSpan UnknownRateStallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an open may take from PLAYING to the first frame (default 15 s: RTSP handshakes are slow).</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Seed for the backoff jitter (null: random); tests fix it.</summary>
    public int? JitterSeed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(ConsumerHeldFrames, nameof(ConsumerHeldFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(StallFrameIntervals, 1, nameof(StallFrameIntervals));
        if (MinStallTimeout <= TimeSpan.Zero || UnknownRateStallTimeout <= TimeSpan.Zero || OpenTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(OpenTimeout), "MinStallTimeout, UnknownRateStallTimeout and OpenTimeout must be positive.");
        }
        ArgumentNullException.ThrowIfNull(Backoff, nameof(Backoff));
        Backoff.Validate();
    }
}
