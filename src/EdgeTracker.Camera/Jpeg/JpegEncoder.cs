using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Native;

namespace EdgeTracker.Camera.Jpeg;

/// <summary>Chroma subsampling of encoded JPEGs (TurboJPEG's TJSAMP values).</summary>
public enum JpegSubsampling
{
    /// <summary>No chroma subsampling (largest, sharpest colour edges).</summary>
    Chroma444 = 0,

    /// <summary>Half horizontal chroma resolution.</summary>
    Chroma422 = 1,

    /// <summary>Half horizontal and vertical chroma resolution (what cameras and browsers expect).</summary>
    Chroma420 = 2,
}

/// <summary>
/// Encodes BGR pixels to JPEG with libturbojpeg's <c>tjCompress2</c> into one reused, pinned output buffer:
/// after the first frame of a size, encoding allocates nothing. Not thread-safe: one encoder per thread.
/// </summary>
/// <example>
/// <code>
/// using var encoder = new JpegEncoder { Quality = 80 };
/// ReadOnlySpan&lt;byte&gt; jpeg = encoder.Encode(frame); // valid until the next Encode
/// </code>
/// </example>
public sealed unsafe class JpegEncoder : IDisposable
{
    private readonly TurboJpegHandle _handle;
    private byte[] _output = [];
    private int _quality = 85;

    /// <summary>Creates a compressor; throws <see cref="DllNotFoundException"/> naming libturbojpeg when it is missing.</summary>
    public JpegEncoder() => _handle = TurboJpegHandle.Create(compress: true);

    /// <summary>JPEG quality 1–100 (default 85).</summary>
    public int Quality
    {
        get => _quality;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
            _quality = value;
        }
    }

    /// <summary>Chroma subsampling (default 4:2:0).</summary>
    public JpegSubsampling Subsampling { get; set; } = JpegSubsampling.Chroma420;

    /// <summary>The size of the reused output buffer in bytes (grows only when a larger picture comes).</summary>
    public int BufferCapacity => _output.Length;

    /// <summary>Encodes a frame; the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Encode(frame.Pixels, frame.Width, frame.Height, frame.Stride);
    }

    /// <summary>Encodes BGR pixels (rows <paramref name="stride"/> bytes apart); the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(ReadOnlySpan<byte> bgr, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        if (bgr.Length < (long)stride * (height - 1) + width * 3)
        {
            throw new ArgumentException($"{bgr.Length} bytes cannot hold {width}×{height} BGR with stride {stride}.", nameof(bgr));
        }
        var worstCase = checked((int)TurboJpegNative.BufSize(width, height, (int)Subsampling));
        if (_output.Length < worstCase)
        {
            // tjBufSize is the worst case for this size, so with NOREALLOC libturbojpeg never needs its own buffer.
            _output = GC.AllocateUninitializedArray<byte>(worstCase, pinned: true);
        }
        fixed (byte* source = bgr)
        fixed (byte* destination = _output)
        {
            var jpeg = destination;
            var size = (nuint)_output.Length;
            if (TurboJpegNative.Compress2(_handle.DangerousGetHandle(), source, width, stride, height,
                    TurboJpegNative.PixelFormatBgr, &jpeg, &size, (int)Subsampling, _quality, TurboJpegNative.FlagNoRealloc) != 0)
            {
                throw new CameraException($"JPEG encoding failed: {TurboJpegNative.ErrorOf(_handle.DangerousGetHandle())}");
            }
            return _output.AsSpan(0, (int)size);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
