using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Benchmarks.Camera;

/// <summary>
/// Capture throughput of unpaced videotestsrc pipelines through <see cref="CameraCapture"/> (every frame
/// delivered, read on the benchmark thread): time per frame, so fps = 1 s / Mean.
/// <list type="bullet">
/// <item><c>SourceBgr</c> (baseline): videotestsrc renders BGR itself — pattern generation, appsink pull, copy
/// into the pooled frame and the hand-off; no conversion.</item>
/// <item><c>ConvertI420</c>: what every real source does — the source's I420 converted by videoconvert to BGR.</item>
/// </list>
/// The difference is the cost of videoconvert; the baseline bounds our capture overhead from above.
/// </summary>
[Config(typeof(CameraBenchmarkConfig))]
public class CaptureBenchmarks
{
    private const int FramesPerOperation = 30;
    private CameraCapture _camera = null!;

    [Params("640x480", "1920x1080")]
    public string Size { get; set; } = "";

    [ParamsAllValues]
    public bool Convert { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (w, h) = Size == "640x480" ? (640, 480) : (1920, 1080);
        var format = Convert ? "I420" : "BGR";
        var pipeline =
            $"gst:videotestsrc pattern=ball is-live=false ! video/x-raw,format={format},width={w},height={h},framerate=30/1 ! " +
            "videoconvert ! video/x-raw,format=BGR ! appsink name=sink max-buffers=2 drop=false sync=false enable-last-sample=false";
        _camera = new CameraCapture(SourceDescription.Parse(pipeline), new CameraOptions { Delivery = FrameDelivery.EveryFrame });
        _camera.Start();
        ReadFrames(); // first frame: negotiation and pool warm-up
    }

    [Benchmark(OperationsPerInvoke = FramesPerOperation)]
    public long ReadFrames()
    {
        long last = 0;
        for (var i = 0; i < FramesPerOperation; i++)
        {
            if (!_camera.TryRead(TimeSpan.FromSeconds(30), out var frame))
            {
                throw new InvalidOperationException($"No frame: {_camera.State}");
            }
            last = frame.Sequence;
            frame.Dispose();
        }
        return last;
    }

    [GlobalCleanup]
    public void Cleanup() => _camera.Dispose();
}
