using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Benchmarks.Camera;

/// <summary>
/// Image sequences: libturbojpeg straight into pooled frames (what <c>images://</c> does) against the GStreamer
/// alternative <c>multifilesrc ! jpegdec ! videoconvert</c>, same files, every frame delivered. Time per frame.
/// </summary>
[Config(typeof(CameraBenchmarkConfig))]
public class ImageDecodeBenchmarks
{
    private const int FramesPerOperation = 30;
    private CameraCapture _camera = null!;

    /// <summary>otb_biker: 640×360 colour; vot_ball1_staple: 1280×720 colour.</summary>
    [Params("otb_biker", "vot_ball1_staple")]
    public string Sequence { get; set; } = "";

    [Params("turbojpeg", "gstreamer")]
    public string Decoder { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Path.Combine(CameraBenchmarkConfig.SharedData(), "testdata", "sequences", Sequence);
        var uri = Decoder == "turbojpeg"
            ? $"images://{folder}?fps=0&loop=true"
            : Sequence == "otb_biker"
                ? $"gst:multifilesrc location=\"{folder}/img/%04d.jpg\" start-index=1 loop=true caps=image/jpeg,framerate=30/1 ! jpegdec ! " +
                  "videoconvert ! video/x-raw,format=BGR ! appsink name=sink max-buffers=2 drop=false sync=false"
                : $"gst:multifilesrc location=\"{folder}/%08d.jpg\" start-index=1 loop=true caps=image/jpeg,framerate=30/1 ! jpegdec ! " +
                  "videoconvert ! video/x-raw,format=BGR ! appsink name=sink max-buffers=2 drop=false sync=false";
        _camera = new CameraCapture(SourceDescription.Parse(uri), new CameraOptions { Delivery = FrameDelivery.EveryFrame });
        _camera.Start();
        ReadFrames();
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
