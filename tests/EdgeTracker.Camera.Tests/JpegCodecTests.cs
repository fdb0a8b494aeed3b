using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;
using EdgeTracker.Testing;

namespace EdgeTracker.Camera.Tests;

public sealed class JpegCodecTests
{
    [Fact]
    public void Encoded_frame_decodes_back_close_to_the_original()
    {
        var original = Gradient(320, 240);
        using var encoder = new JpegEncoder { Quality = 95, Subsampling = JpegSubsampling.Chroma444 };
        using var decoder = new JpegDecoder();
        var jpeg = encoder.Encode(original).ToArray();
        Assert.Equal(new byte[] { 0xFF, 0xD8 }, jpeg[..2]);
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, jpeg[^2..]);
        var decoded = Frame.Standalone(1, 1);
        decoder.Decode(jpeg, decoded, sequence: 42);
        Assert.Equal((320, 240, 42L), (decoded.Width, decoded.Height, decoded.Sequence));
        Assert.True(Psnr(original, decoded) > 38, $"PSNR {Psnr(original, decoded):0.0} dB");
    }

    [Fact]
    public void Quality_changes_the_size_and_the_output_buffer_is_reused()
    {
        var frame = Gradient(640, 480);
        using var encoder = new JpegEncoder { Quality = 30 };
        var small = encoder.Encode(frame).Length;
        var capacity = encoder.BufferCapacity;
        encoder.Quality = 95;
        var large = encoder.Encode(frame).Length;
        Assert.True(large > small, $"q95 {large} bytes ≤ q30 {small} bytes");
        for (var i = 0; i < 20; i++)
        {
            encoder.Encode(frame);
        }
        Assert.Equal(capacity, encoder.BufferCapacity);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            encoder.Encode(frame);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Encoder_honours_the_stride_of_padded_rows()
    {
        const int width = 33, height = 17, stride = 33 * 3 + 5;
        var padded = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            padded.AsSpan(y * stride, width * 3).Fill(200);
            padded.AsSpan(y * stride + width * 3, 5).Fill(0); // garbage that must not show
        }
        using var encoder = new JpegEncoder { Quality = 100, Subsampling = JpegSubsampling.Chroma444 };
        using var decoder = new JpegDecoder();
        var decoded = Frame.Standalone(1, 1);
        decoder.Decode(encoder.Encode(padded, width, height, stride), decoded, 1);
        Assert.All(decoded.Pixels.ToArray(), b => Assert.InRange(b, 197, 203));
    }

    [Fact]
    public void Garbage_is_rejected_with_libturbojpegs_message()
    {
        using var decoder = new JpegDecoder();
        var error = Assert.Throws<CameraException>(() => decoder.Decode(new byte[] { 1, 2, 3, 4, 5 }, Frame.Standalone(1, 1), 1));
        Assert.Contains("Not a readable JPEG", error.Message);
        Assert.Contains("JPEG", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new JpegEncoder { Quality = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new JpegEncoder { Quality = 101 });
    }

    [Fact]
    public void A_header_that_yields_no_picture_size_is_rejected()
    {
        // tjDecompressHeader3 returns success with a 0×0 size for these bytes.
        using var decoder = new JpegDecoder();
        byte[] bytes = [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3];
        Assert.Contains("no picture size", Assert.Throws<CameraException>(() => decoder.ReadSize(bytes)).Message);
        Assert.Throws<CameraException>(() => decoder.Decode(bytes, Frame.Standalone(1, 1), 1));
    }

    [Fact]
    public void Truncated_jpeg_still_decodes_as_cameras_need()
    {
        var path = Path.Combine(TestData.Sequence("otb_biker"), "img", "0001.jpg");
        var bytes = File.ReadAllBytes(path);
        using var decoder = new JpegDecoder();
        var frame = Frame.Standalone(1, 1);
        decoder.Decode(bytes.AsSpan(0, bytes.Length * 2 / 3), frame, 1);
        Assert.Equal((640, 360), (frame.Width, frame.Height));
    }

    [Fact]
    public void Truncated_jpeg_is_rejected_when_recoverable_damage_is_not_accepted()
    {
        var path = Path.Combine(TestData.Sequence("otb_biker"), "img", "0001.jpg");
        var bytes = File.ReadAllBytes(path);
        using var decoder = new JpegDecoder { AcceptRecoverableDamage = false };
        var frame = Frame.Standalone(1, 1);
        var error = Assert.Throws<CameraException>(() => decoder.Decode(bytes.AsSpan(0, bytes.Length * 2 / 3), frame, 1));
        Assert.Contains("JPEG decoding failed", error.Message);
        decoder.Decode(bytes, frame, 2); // the same decoder still decodes an intact file
        Assert.Equal((640, 360, 2L), (frame.Width, frame.Height, frame.Sequence));
    }

    private static Frame Gradient(int width, int height)
    {
        var frame = Frame.Standalone(width, height);
        for (var y = 0; y < height; y++)
        {
            var row = frame.Row(y);
            for (var x = 0; x < width; x++)
            {
                row[x * 3] = (byte)(x * 255 / width);
                row[x * 3 + 1] = (byte)(y * 255 / height);
                row[x * 3 + 2] = (byte)((x + y) * 127 / (width + height));
            }
        }
        return frame;
    }

    private static double Psnr(Frame a, Frame b)
    {
        double sum = 0;
        for (var y = 0; y < a.Height; y++)
        {
            var ra = a.Row(y);
            var rb = b.Row(y);
            for (var i = 0; i < ra.Length; i++)
            {
                double d = ra[i] - rb[i];
                sum += d * d;
            }
        }
        var mse = sum / (a.Width * a.Height * 3);
        return 10 * Math.Log10(255 * 255 / mse);
    }
}
