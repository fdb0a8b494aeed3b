using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;
using EdgeTracker.Camera.Sources;
using EdgeTracker.Web;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>EdgeTracker.Camera's <see cref="CameraCapture"/> as the pipeline's frame source.</summary>
public sealed class CameraSource : IFrameSource
{
    private readonly CameraCapture _capture;
    private bool _inOutage;

    public CameraSource(string uri, CameraOptions? options = null)
    {
        _capture = new CameraCapture(SourceDescription.Parse(uri), options ?? new CameraOptions());
        _capture.Transition += OnTransition;
    }

    public bool IsLive => _capture.Source.IsLive;

    public SourceState State { get; private set; } = SourceState.Starting;

    public long DroppedFrames => _capture.FramesDropped;

    public long Reconnects => _capture.Reconnects;

    public event Action<SourceEvent>? StateChanged;

    public void Start() => _capture.Start();

    public bool TryTake(int timeoutMs, out Frame frame) => _capture.TryRead(TimeSpan.FromMilliseconds(timeoutMs), out frame);

    private void OnTransition(object? sender, CameraEvent e)
    {
        SourceEvent? mapped = e switch
        {
            // After a loss, the reopen's CameraOpened is followed by CameraRecovered, which carries the outage.
            CameraOpened when _inOutage => null,
            CameraOpened o => new SourceEvent(SourceState.Open, $"{o.Width}×{o.Height} {o.Fps:0.#} fps", o.Time),
            CameraRecovered r => new SourceEvent(SourceState.Open, $"after {r.Outage.TotalSeconds:0.0} s and {r.Attempts} attempt(s)", r.Time, r.Outage, Recovered: true),
            CameraLost l => new SourceEvent(SourceState.Lost, l.Stalled ? $"stalled: {l.Reason}" : l.Reason, l.Time),
            CameraRetrying t => new SourceEvent(SourceState.Retrying, $"attempt {t.Attempt} in {t.Delay.TotalSeconds:0.0} s: {t.LastError}", t.Time),
            CameraEnded n => new SourceEvent(SourceState.Ended, $"end of the source after {n.Frames} frames", n.Time),
            CameraFailed f => new SourceEvent(SourceState.Failed, f.Reason, f.Time),
            _ => null,
        };
        if (e is CameraLost)
        {
            _inOutage = true;
        }
        else if (e is CameraRecovered)
        {
            _inOutage = false;
        }
        if (mapped is { } m)
        {
            State = m.State;
            StateChanged?.Invoke(m);
        }
    }

    public void Dispose()
    {
        _capture.Transition -= OnTransition;
        _capture.Dispose();
        State = SourceState.Stopped;
    }
}

/// <summary>EdgeTracker.Camera's libturbojpeg encoder for the page's pictures.</summary>
public sealed class TurboJpegPreviewEncoder : IJpegEncoder
{
    private readonly JpegEncoder _encoder = new();
    private byte[] _copy = [];

    public ReadOnlyMemory<byte> Encode(Frame frame, int quality)
    {
        _encoder.Quality = quality;
        var jpeg = _encoder.Encode(frame);
        if (_copy.Length < jpeg.Length)
        {
            _copy = new byte[jpeg.Length * 2];
        }
        jpeg.CopyTo(_copy);
        return _copy.AsMemory(0, jpeg.Length);
    }

    public void Dispose() => _encoder.Dispose();
}
