using System.Runtime.InteropServices;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Camera.Native;

/// <summary>What the bus said since the last look.</summary>
internal enum BusStatus
{
    Quiet,
    EndOfStream,
    Error,
}

/// <summary>
/// One launched pipeline ending in <c>appsink name=sink</c> that delivers <c>video/x-raw,format=BGR</c>: pulls
/// samples into pooled frames, reads the bus, and tears everything down on dispose.
/// </summary>
internal sealed unsafe class GstPipeline : IDisposable
{
    private readonly GstPipelineHandle _pipeline;
    private readonly GstObjectHandle _sink;
    private readonly GstObjectHandle _bus;
    private static readonly TimeSpan PullSliceForRent = TimeSpan.FromMilliseconds(100);
    private IntPtr _lastCaps;
    private GstObjectHandle? _clock;

    private GstPipeline(GstPipelineHandle pipeline, GstObjectHandle sink, GstObjectHandle bus)
    {
        _pipeline = pipeline;
        _sink = sink;
        _bus = bus;
    }

    /// <summary>Negotiated width (0 until the first sample).</summary>
    public int Width { get; private set; }

    /// <summary>Negotiated height (0 until the first sample).</summary>
    public int Height { get; private set; }

    /// <summary>Negotiated frame rate in frames a second (0 when variable or unknown).</summary>
    public double FrameRate { get; private set; }

    /// <summary>Negotiated pixel format name (e.g. "BGR").</summary>
    public string Format { get; private set; } = "";

    /// <summary>Checks the elements, parses the description and finds the sink; does not start it.</summary>
    public static GstPipeline Launch(string description)
    {
        Gst.CheckElementsInstalled(description);
        var raw = GstNative.ParseLaunch(description, out var error);
        if (error != IntPtr.Zero)
        {
            // parse_launch may return a pipeline together with a (recoverable) error: never keep it.
            var message = GstNative.TakeError(error);
            if (raw != IntPtr.Zero)
            {
                GstNative.ObjectUnref(raw);
            }
            throw new CameraException($"GStreamer could not build the pipeline: {message} (pipeline: {description})");
        }
        if (raw == IntPtr.Zero)
        {
            throw new CameraException($"GStreamer could not build the pipeline (pipeline: {description})");
        }
        var pipeline = new GstPipelineHandle(raw);
        var sink = new GstObjectHandle(GstNative.BinGetByName(raw, "sink"));
        if (sink.IsInvalid)
        {
            pipeline.Dispose();
            throw new CameraException($"The pipeline has no element named 'sink'; it must end in 'appsink name=sink' (pipeline: {description})");
        }
        var bus = new GstObjectHandle(GstNative.ElementGetBus(raw));
        return new GstPipeline(pipeline, sink, bus);
    }

    /// <summary>Asks the pipeline to play; throws with the bus's error when the state change fails at once.</summary>
    public void Play()
    {
        if (GstNative.ElementSetState(_pipeline.DangerousGetHandle(), GstNative.State.Playing) == GstNative.StateChangeReturn.Failure)
        {
            var reason = PollBus(out var message) == BusStatus.Error ? message : "state change to PLAYING failed";
            throw new CameraException(reason);
        }
    }

    /// <summary>True when the pipeline is in (not just heading for) PLAYING.</summary>
    public bool IsPlaying
    {
        get
        {
            GstNative.ElementGetState(_pipeline.DangerousGetHandle(), out var state, out _, 0);
            return state == GstNative.State.Playing;
        }
    }

    /// <summary>True once the sink has seen end-of-stream.</summary>
    public bool SinkAtEnd => GstNative.AppSinkIsEos(_sink.DangerousGetHandle());

    /// <summary>Seeks back to the start (looping files).</summary>
    public bool SeekToStart() =>
        GstNative.ElementSeekSimple(_pipeline.DangerousGetHandle(), GstNative.FormatTime,
            GstNative.SeekFlagFlush | GstNative.SeekFlagKeyUnit, 0);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for a sample and copies it into a frame rented from
    /// <paramref name="pool"/>. Returns <see cref="PullResult.NoSample"/> on timeout or end of stream, and
    /// <see cref="PullResult.PoolExhausted"/> (sample discarded) when every frame is held, unless
    /// <paramref name="waitForFrame"/> asks to wait for a free frame instead (until <paramref name="stop"/>).
    /// The sample is released here on every path; nothing is allocated in steady state.
    /// </summary>
    public PullResult TryPull(TimeSpan timeout, FramePool pool, bool waitForFrame, CancellationToken stop, long sequence, bool live, out Frame? frame)
    {
        frame = null;
        var sample = GstNative.AppSinkTryPullSample(_sink.DangerousGetHandle(), (ulong)timeout.Ticks * 100UL);
        if (sample == IntPtr.Zero)
        {
            return PullResult.NoSample;
        }
        try
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var wallClock = DateTimeOffset.UtcNow;
            var caps = GstNative.SampleGetCaps(sample);
            if (caps != _lastCaps)
            {
                ReadCaps(caps);
            }
            var buffer = GstNative.SampleGetBuffer(sample);
            var timestamp = live ? SourceTimestamp(buffer, now) : now;
            if (timestamp != now)
            {
                wallClock -= System.Diagnostics.Stopwatch.GetElapsedTime(timestamp, now);
            }
            var size = (int)GstNative.BufferGetSize(buffer);
            // BGR is one packed plane, so the buffer is exactly stride × height (videoconvert pads rows to 4 bytes).
            var stride = size / Height;
            if (stride < Width * 3 || stride * Height != size)
            {
                throw new CameraException(
                    $"Sample of {size} bytes does not fit {Width}×{Height} BGR (the pipeline must end in video/x-raw,format=BGR).");
            }
            Frame? rented;
            if (waitForFrame)
            {
                // Replays: wait for the consumer to give a frame back rather than drop this one.
                while (!pool.TryRent(PullSliceForRent, stop, out rented))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return PullResult.NoSample;
                    }
                }
            }
            else if (!pool.TryRent(out rented))
            {
                return PullResult.PoolExhausted;
            }
            rented.Reset(Width, Height, stride, sequence, timestamp, wallClock);
            fixed (byte* destination = rented.Pixels)
            {
                GstNative.BufferExtract(buffer, 0, destination, (nuint)size);
            }
            frame = rented;
            return PullResult.Frame;
        }
        finally
        {
            GstNative.MiniObjectUnref(sample);
        }
    }

    /// <summary>
    /// When the source stamped the buffer (live sources stamp it on arrival: v4l2src, nvarguscamerasrc, souphttpsrc
    /// with do-timestamp, rtspsrc), its time on the pipeline clock — base time + PTS — mapped to
    /// <see cref="System.Diagnostics.Stopwatch"/> ticks by reading both clocks together. That is earlier than the
    /// appsink hand-over by the pipeline's decode and conversion time. Falls back to <paramref name="now"/> when
    /// there is no PTS or clock, or the result is implausible (in the future or over 5 s old).
    /// </summary>
    private long SourceTimestamp(IntPtr buffer, long now)
    {
        var pts = Gst.PtsOf(buffer);
        if (pts == GstNative.ClockTimeNone)
        {
            return now;
        }
        if (_clock is null)
        {
            var clock = GstNative.ElementGetClock(_pipeline.DangerousGetHandle());
            if (clock == IntPtr.Zero)
            {
                return now;
            }
            _clock = new GstObjectHandle(clock);
        }
        var clockNow = GstNative.ClockGetTime(_clock.DangerousGetHandle());
        var stopwatchNow = System.Diagnostics.Stopwatch.GetTimestamp();
        var baseTime = GstNative.ElementGetBaseTime(_pipeline.DangerousGetHandle());
        if (clockNow == GstNative.ClockTimeNone || baseTime == GstNative.ClockTimeNone)
        {
            return now;
        }
        // Age of the buffer in nanoseconds: how long ago (on the pipeline clock) the source stamped it.
        var ageNs = (long)(clockNow - (baseTime + pts));
        if (ageNs < 0 || ageNs > 5_000_000_000L)
        {
            return now;
        }
        return stopwatchNow - (long)(ageNs * (System.Diagnostics.Stopwatch.Frequency / 1e9));
    }

    /// <summary>
    /// Reads every pending bus message (so none pile up over months); reports an error first, then end-of-stream.
    /// Warnings are passed to <paramref name="warning"/> when given.
    /// </summary>
    public BusStatus PollBus(out string message, Action<string>? warning = null)
    {
        var status = BusStatus.Quiet;
        message = "";
        IntPtr next;
        while ((next = GstNative.BusTimedPopFiltered(_bus.DangerousGetHandle(), 0, GstNative.MessageType.Any)) != IntPtr.Zero)
        {
            try
            {
                var type = Gst.TypeOf(next);
                if (type == GstNative.MessageType.Error && status != BusStatus.Error)
                {
                    GstNative.MessageParseError(next, out var error, out var debug);
                    var text = GstNative.TakeError(error);
                    var detail = GstNative.TakeString(debug);
                    message = detail is null ? text : $"{text} ({OneLine(detail)})";
                    status = BusStatus.Error;
                }
                else if (type == GstNative.MessageType.Eos && status == BusStatus.Quiet)
                {
                    status = BusStatus.EndOfStream;
                    message = "end of stream";
                }
                else if (type == GstNative.MessageType.Warning && warning is not null)
                {
                    GstNative.MessageParseWarning(next, out var error, out var debug);
                    GstNative.TakeString(debug);
                    warning(GstNative.TakeError(error));
                }
            }
            finally
            {
                GstNative.MiniObjectUnref(next);
            }
        }
        return status;
    }

    private void ReadCaps(IntPtr caps)
    {
        var structure = GstNative.CapsGetStructure(caps, 0);
        if (!GstNative.StructureGetInt(structure, "width", out var width) ||
            !GstNative.StructureGetInt(structure, "height", out var height))
        {
            throw new CameraException("The sink's caps carry no width/height: the pipeline must end in video/x-raw,format=BGR.");
        }
        var format = Marshal.PtrToStringUTF8(GstNative.StructureGetString(structure, "format")) ?? "";
        if (format != "BGR")
        {
            throw new CameraException(
                $"The sink receives format '{format}', not BGR: end the pipeline in 'videoconvert ! video/x-raw,format=BGR ! appsink name=sink'.");
        }
        Width = width;
        Height = height;
        Format = format;
        FrameRate = GstNative.StructureGetFraction(structure, "framerate", out var n, out var d) && d > 0 ? (double)n / d : 0;
        // Hold a reference so a later caps object can never reuse this address unnoticed.
        if (_lastCaps != IntPtr.Zero)
        {
            GstNative.MiniObjectUnref(_lastCaps);
        }
        _lastCaps = GstNative.MiniObjectRef(caps);
    }

    /// <summary>GStreamer's debug detail is "source.c(line): function (): /element/path:\nwhat happened": keep all of it.</summary>
    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    public void Dispose()
    {
        // Order matters: the pipeline goes to NULL (threads joined) before the sink and bus references go.
        _pipeline.Dispose();
        _sink.Dispose();
        _bus.Dispose();
        _clock?.Dispose();
        if (_lastCaps != IntPtr.Zero)
        {
            GstNative.MiniObjectUnref(_lastCaps);
            _lastCaps = IntPtr.Zero;
        }
    }
}

/// <summary>The outcome of one <see cref="GstPipeline.TryPull"/>.</summary>
internal enum PullResult
{
    NoSample,
    Frame,
    PoolExhausted,
}
