using EdgeTracker.Camera.Frames;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

/// <summary>
/// The fused crop against a plain, obviously-correct implementation: build the padded patch, crop it, resize it with
/// textbook double-precision bilinear interpolation (OpenCV's half-pixel mapping, border taps clamped), round to
/// 8 bits, then lay out and normalise. Stated tolerance: at most 1 grey level per value (the fused path uses
/// OpenCV's 11-bit fixed-point weights and its truncating shifts, as the reference pipeline does), at most 0.25 on
/// average (the shifts bias slightly downward: 0.13 measured on an upscale),
/// and exact equality when no resize happens.
/// </summary>
public sealed class SubwindowSamplerTests
{
    private static readonly byte[] Pad = [101, 117, 93];

    private static Frame TestFrame(int width, int height)
    {
        var frame = Frame.Standalone(width, height);
        var random = new Random(42);
        for (var y = 0; y < height; y++)
        {
            var row = frame.Row(y);
            for (var x = 0; x < width; x++)
            {
                // Smooth gradients plus noise: both interpolation and channel order show up in the values.
                row[x * 3] = (byte)Math.Clamp(x + random.Next(-20, 20), 0, 255);
                row[x * 3 + 1] = (byte)Math.Clamp(y * 2 + random.Next(-20, 20), 0, 255);
                row[x * 3 + 2] = (byte)random.Next(256);
            }
        }
        return frame;
    }

    private static float[] PlainCrop(Frame frame, float cx, float cy, int sz, int size, bool rgb, Normalization norm)
    {
        var c = (sz + 1) / 2f;
        var xmin = (int)Math.Floor(cx - c + 0.5f);
        var ymin = (int)Math.Floor(cy - c + 0.5f);
        var patch = new byte[sz, sz, 3];
        for (var py = 0; py < sz; py++)
        {
            for (var px = 0; px < sz; px++)
            {
                int ix = xmin + px, iy = ymin + py;
                for (var ch = 0; ch < 3; ch++)
                {
                    patch[py, px, ch] = ix >= 0 && iy >= 0 && ix < frame.Width && iy < frame.Height ? frame.Row(iy)[ix * 3 + ch] : Pad[ch];
                }
            }
        }
        var result = new float[3 * size * size];
        var scale = (double)sz / size;
        for (var dy = 0; dy < size; dy++)
        {
            for (var dx = 0; dx < size; dx++)
            {
                for (var ch = 0; ch < 3; ch++)
                {
                    double value;
                    if (sz == size)
                    {
                        value = patch[dy, dx, ch];
                    }
                    else
                    {
                        var fx = (dx + 0.5) * scale - 0.5;
                        var fy = (dy + 0.5) * scale - 0.5;
                        var x0 = (int)Math.Floor(fx);
                        var y0 = (int)Math.Floor(fy);
                        var wx = fx - x0;
                        var wy = fy - y0;
                        int Cx(int v) => Math.Clamp(v, 0, sz - 1);
                        var top = (1 - wx) * patch[Cx(y0), Cx(x0), ch] + wx * patch[Cx(y0), Cx(x0 + 1), ch];
                        var bottom = (1 - wx) * patch[Cx(y0 + 1), Cx(x0), ch] + wx * patch[Cx(y0 + 1), Cx(x0 + 1), ch];
                        value = Math.Round((1 - wy) * top + wy * bottom);
                    }
                    var plane = rgb ? 2 - ch : ch;
                    result[plane * size * size + dy * size + dx] = (float)((value * norm.Scale - norm.Mean[plane]) / norm.Std[plane]);
                }
            }
        }
        return result;
    }

    [Theory]
    [InlineData(100f, 75f, 60, 127)]    // upscale, inside the frame
    [InlineData(10f, 5f, 150, 255)]     // crosses the top-left corner: padding
    [InlineData(190.5f, 140.25f, 401, 255)] // larger than the frame: padding on every side, downscale
    [InlineData(199f, 149f, 33, 127)]   // bottom-right corner
    public void Matches_the_plain_implementation_within_one_grey_level(float cx, float cy, int sz, int size)
    {
        var frame = TestFrame(200, 150);
        var sampler = new SubwindowSampler();
        var fused = new float[3 * size * size];
        sampler.Sample(frame, cx, cy, sz, size, Pad, rgb: false, new Normalization(), fused);
        var plain = PlainCrop(frame, cx, cy, sz, size, rgb: false, new Normalization());
        var diffs = fused.Zip(plain, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(diffs.Max() <= 1f, $"max difference {diffs.Max()}");
        Assert.True(diffs.Average() <= 0.25, $"mean difference {diffs.Average()}");
    }

    [Theory]
    [InlineData(10f, 5f, 150, 255)]
    [InlineData(190.5f, 140.25f, 401, 255)]
    [InlineData(100f, 75f, 60, 127)]
    public void The_AVX2_and_scalar_horizontal_passes_give_identical_values(float cx, float cy, int sz, int size)
    {
        var frame = TestFrame(200, 150);
        var vector = new float[3 * size * size];
        var scalar = new float[3 * size * size];
        new SubwindowSampler().Sample(frame, cx, cy, sz, size, Pad, false, new Normalization(), vector);
        new SubwindowSampler { UseAvx2 = false }.Sample(frame, cx, cy, sz, size, Pad, false, new Normalization(), scalar);
        Assert.Equal(scalar, vector);
    }

    [Fact]
    public void Without_a_resize_the_crop_is_exact_including_channel_order_and_normalisation()
    {
        var frame = TestFrame(200, 150);
        var norm = new Normalization { Scale = 1 / 255f, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f] };
        var fused = new float[3 * 127 * 127];
        new SubwindowSampler().Sample(frame, 20.5f, 140f, 127, 127, Pad, rgb: true, norm, fused);
        var plain = PlainCrop(frame, 20.5f, 140f, 127, 127, rgb: true, norm);
        for (var i = 0; i < fused.Length; i++)
        {
            Assert.True(Math.Abs(fused[i] - plain[i]) < 1e-5f, $"index {i}: {fused[i]} vs {plain[i]}");
        }
    }

    [Fact]
    public void Allocates_nothing_per_call_once_warm()
    {
        var frame = TestFrame(200, 150);
        var sampler = new SubwindowSampler();
        var destination = new float[3 * 255 * 255];
        var raw = new Normalization();
        sampler.Sample(frame, 100, 75, 180, 255, Pad, false, raw, destination);

        // Measured twice and the smaller kept: the runtime may allocate once on this thread (tiered JIT's
        // re-compilation of a hot method was seen to cost ~7.5 KB once on a loaded machine); an allocation per
        // call shows in both rounds.
        long Round()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++)
            {
                sampler.Sample(frame, 100 + i, 75 - i, 170 + i, 255, Pad, false, raw, destination);
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var first = Round();
        var second = Round();
        Assert.Equal(0, Math.Min(first, second));
    }
}
