using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Native;

namespace EdgeTracker.Camera.Jpeg;

/// <summary>
/// Decodes JPEGs to BGR with libturbojpeg's <c>tjDecompress2</c>, straight into a <see cref="Frame"/>; grayscale
/// JPEGs come out as 3-channel BGR (B = G = R). Recoverable damage (libturbojpeg's warnings, e.g. a truncated
/// file) still yields a picture, as camera streams need; fatal errors throw with libturbojpeg's message.
/// Not thread-safe: one decoder per thread.
/// </summary>
public sealed unsafe class JpegDecoder : IDisposable
{
    private readonly TurboJpegHandle _handle;

    /// <summary>Creates a decompressor; throws <see cref="DllNotFoundException"/> naming libturbojpeg when it is missing.</summary>
    public JpegDecoder() => _handle = TurboJpegHandle.Create(compress: false);

    /// <summary>
    /// True (default): recoverable damage still yields a picture, as live cameras need. False: it throws like a
    /// fatal error, for evaluation, where a silently half-grey frame would skew the scores.
    /// </summary>
    public bool AcceptRecoverableDamage { get; init; } = true;

    /// <summary>Reads a JPEG's width and height without decoding it.</summary>
    public (int Width, int Height) ReadSize(ReadOnlySpan<byte> jpeg)
    {
        fixed (byte* source = jpeg)
        {
            if (jpeg.IsEmpty || TurboJpegNative.DecompressHeader3(_handle.DangerousGetHandle(), source, (nuint)jpeg.Length,
                    out var width, out var height, out _, out _) != 0)
            {
                throw new CameraException($"Not a readable JPEG ({jpeg.Length} bytes): {Error()}");
            }
            if (width <= 0 || height <= 0)
            {
                // Seen with a start marker followed by a few stray bytes: tjDecompressHeader3 returns success with a 0×0 size.
                throw new CameraException($"Not a readable JPEG ({jpeg.Length} bytes): libturbojpeg read no picture size ({width}×{height}).");
            }
            return (width, height);
        }
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> into <paramref name="frame"/> (resized to the picture, stride = 3 × width)
    /// and stamps it with <paramref name="sequence"/> and the current time.
    /// </summary>
    public void Decode(ReadOnlySpan<byte> jpeg, Frame frame, long sequence)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (width, height) = ReadSize(jpeg);
        frame.Reset(width, height, width * 3, sequence, System.Diagnostics.Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        fixed (byte* source = jpeg)
        fixed (byte* destination = frame.Pixels)
        {
            if (TurboJpegNative.Decompress2(_handle.DangerousGetHandle(), source, (nuint)jpeg.Length, destination,
                    width, width * 3, height, TurboJpegNative.PixelFormatBgr, 0) != 0 &&
                (!AcceptRecoverableDamage || TurboJpegNative.GetErrorCode(_handle.DangerousGetHandle()) != TurboJpegNative.ErrorWarning))
            {
                throw new CameraException($"JPEG decoding failed: {Error()}");
            }
        }
    }

    private string Error() => TurboJpegNative.ErrorOf(_handle.DangerousGetHandle());

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
