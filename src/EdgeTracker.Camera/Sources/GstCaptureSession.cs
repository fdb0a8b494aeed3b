using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Native;

namespace EdgeTracker.Camera.Sources;

/// <summary>One launch of a GStreamer pipeline: play, wait for the first frame, stream, watch bus and stalls.</summary>
internal sealed class GstCaptureSession(SourceDescription source, CameraOptions options, CancellationToken stop) : ICaptureSession
{
    /// <summary>How long one pull waits: short, so bus errors, stalls and stop requests are seen promptly.</summary>
    private static readonly TimeSpan PullSlice = TimeSpan.FromMilliseconds(100);

    private GstPipeline? _pipeline;

    public long OpenedAt { get; private set; }

    public SessionOutcome Run(CameraCapture camera)
    {
        try
        {
            _pipeline = GstPipeline.Launch(source.Pipeline!);
        }
        catch (MissingGStreamerElementException ex)
        {
            return SessionOutcome.Failed(ex.Message);
        }
        catch (CameraException ex)
        {
            // A pipeline that does not parse never will; one that parsed but cannot start may later (device back).
            return SessionOutcome.Failed(ex.Message);
        }
        try
        {
            _pipeline.Play();
            return Stream(camera, _pipeline);
        }
        catch (CameraException ex) when (ex.Message.Contains("not BGR", StringComparison.Ordinal) ||
                                         ex.Message.Contains("no width/height", StringComparison.Ordinal))
        {
            return SessionOutcome.Failed(ex.Message);
        }
        catch (CameraException ex)
        {
            return SessionOutcome.Lost(ex.Message, 0);
        }
    }

    private SessionOutcome Stream(CameraCapture camera, GstPipeline pipeline)
    {
        var live = source.IsLive;
        long frames = 0;
        var started = Stopwatch.GetTimestamp();
        var lastFrame = started;
        var stallTimeout = options.OpenTimeout; // until the first frame; then from the negotiated rate
        double meanInterval = 0; // Stopwatch ticks between frames, learnt when the caps state no rate
        while (true)
        {
            if (stop.IsCancellationRequested)
            {
                return SessionOutcome.Stopped(frames);
            }
            var sequence = live ? 0 : frames + 1;
            var result = pipeline.TryPull(PullSlice, camera.FramePool, camera.WaitForFreeFrames, stop, sequence, live, out var frame);
            if (result == PullResult.Frame)
            {
                if (OpenedAt == 0)
                {
                    OpenedAt = Stopwatch.GetTimestamp();
                    camera.OnOpened(pipeline.Width, pipeline.Height, pipeline.FrameRate, pipeline.Format);
                    stallTimeout = StallTimeout(pipeline.FrameRate);
                }
                if (live)
                {
                    frame!.Restamp(camera.NextSequence());
                }
                frames++;
                var arrived = Stopwatch.GetTimestamp();
                if (pipeline.FrameRate <= 0 && frames > 1)
                {
                    // MJPEG over HTTP and many RTSP cameras state no rate: learn the interval from arrivals.
                    var interval = (double)(arrived - lastFrame);
                    meanInterval = meanInterval == 0 ? interval : meanInterval * 0.9 + interval * 0.1;
                    stallTimeout = ObservedRateStallTimeout(meanInterval);
                }
                if (!camera.Publish(frame!, stop))
                {
                    return SessionOutcome.Stopped(frames);
                }
                lastFrame = Stopwatch.GetTimestamp();
            }
            else if (result == PullResult.PoolExhausted)
            {
                camera.CountPoolDrop();
                lastFrame = Stopwatch.GetTimestamp(); // frames are arriving: not a stall
            }

            var bus = pipeline.PollBus(out var message);
            if (bus == BusStatus.Error)
            {
                return OpenedAt == 0 || live
                    ? SessionOutcome.Lost(message, frames)
                    : SessionOutcome.Failed($"Error while replaying: {message}");
            }
            // The sink reports end-of-stream only once its queued samples are pulled, so nothing is cut short.
            if (result == PullResult.NoSample && pipeline.SinkAtEnd)
            {
                if (live)
                {
                    return SessionOutcome.Lost("end of stream", frames);
                }
                if (source.Loop && frames > 0 && pipeline.SeekToStart())
                {
                    frames = 0;
                    lastFrame = Stopwatch.GetTimestamp();
                    continue;
                }
                return OpenedAt == 0
                    ? SessionOutcome.Failed("The source ended before delivering a frame.")
                    : SessionOutcome.Ended(frames);
            }
            if (result == PullResult.NoSample)
            {
                var silent = Stopwatch.GetElapsedTime(lastFrame);
                if (OpenedAt == 0 && silent > options.OpenTimeout)
                {
                    return SessionOutcome.Lost($"no frame within {options.OpenTimeout.TotalSeconds:0.#} s of starting", frames);
                }
                if (OpenedAt != 0 && silent > stallTimeout)
                {
                    // PLAYING yet silent is a stall; not PLAYING (e.g. RTSP re-buffering) gets OpenTimeout to resume.
                    var playing = pipeline.IsPlaying;
                    if (playing || silent > options.OpenTimeout)
                    {
                        return SessionOutcome.Lost(
                            $"stalled: no frame for {silent.TotalSeconds:0.0} s while the pipeline was {(playing ? "playing" : "not playing")}",
                            frames, stalled: true, lostAt: lastFrame);
                    }
                }
            }
        }
    }

    private TimeSpan StallTimeout(double fps)
    {
        if (fps <= 0)
        {
            return options.UnknownRateStallTimeout;
        }
        var intervals = TimeSpan.FromSeconds(options.StallFrameIntervals / fps);
        return intervals > options.MinStallTimeout ? intervals : options.MinStallTimeout;
    }

    /// <summary>
    /// Stall timeout from a learnt frame interval: <see cref="CameraOptions.StallFrameIntervals"/> intervals, no
    /// shorter than <see cref="CameraOptions.MinStallTimeout"/>, no longer than <see cref="CameraOptions.UnknownRateStallTimeout"/>.
    /// </summary>
    private TimeSpan ObservedRateStallTimeout(double meanIntervalTicks)
    {
        var intervals = TimeSpan.FromSeconds(options.StallFrameIntervals * meanIntervalTicks / Stopwatch.Frequency);
        if (intervals < options.MinStallTimeout)
        {
            return options.MinStallTimeout;
        }
        return intervals > options.UnknownRateStallTimeout ? options.UnknownRateStallTimeout : intervals;
    }

    public void Dispose() => _pipeline?.Dispose();
}
