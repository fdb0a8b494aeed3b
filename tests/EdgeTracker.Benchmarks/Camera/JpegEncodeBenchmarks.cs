using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;

namespace EdgeTracker.Benchmarks.Camera;

/// <summary>Snapshot/web-stream encoding: tjCompress2 from BGR into the encoder's reused buffer.</summary>
[Config(typeof(CameraBenchmarkConfig))]
public class JpegEncodeBenchmarks
{
    private JpegEncoder _encoder = null!;
    private Frame _frame = null!;

    [Params("640x480", "1920x1080")]
    public string Size { get; set; } = "";

    [Params(80)]
    public int Quality { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (w, h) = Size == "640x480" ? (640, 480) : (1920, 1080);
        _frame = Frame.Standalone(w, h);
        var random = new Random(3);
        for (var y = 0; y < h; y++)
        {
            var row = _frame.Row(y);
            for (var x = 0; x < row.Length; x++)
            {
                // A smooth picture with mild noise: closer to camera content than pure noise or a flat field.
                row[x] = (byte)((x / 3 + y) / 4 + random.Next(8));
            }
        }
        _encoder = new JpegEncoder { Quality = Quality };
    }

    [Benchmark]
    public int Encode() => _encoder.Encode(_frame).Length;

    [GlobalCleanup]
    public void Cleanup() => _encoder.Dispose();
}
