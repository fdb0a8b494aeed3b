using System.Runtime.InteropServices;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Evaluation;

/// <summary>
/// A minimal libturbojpeg binding that decodes a JPEG file into a BGR <see cref="Frame"/> (grayscale JPEGs are
/// expanded to three equal channels, as OpenCV's imread does).
/// </summary>
/// <remarks>
/// A private detail of evaluation until EdgeTracker.Camera's image-sequence source (<c>images://</c>, also on
/// libturbojpeg) is merged; then <see cref="SequenceFrames"/> should read through that source and this class go.
/// </remarks>
internal sealed partial class TurboJpeg : IDisposable
{
    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatBgr = 1; // TJPF_BGR

    private IntPtr _handle;

    public TurboJpeg()
    {
        _handle = tjInitDecompress();
        if (_handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"libturbojpeg: tjInitDecompress failed: {Marshal.PtrToStringUTF8(tjGetErrorStr2(IntPtr.Zero))}");
        }
    }

    /// <summary>Decodes <paramref name="jpeg"/> into <paramref name="frame"/> (resized as needed); <paramref name="name"/> appears in errors.</summary>
    public unsafe void Decode(ReadOnlySpan<byte> jpeg, Frame frame, long sequence, string name)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        fixed (byte* source = jpeg)
        {
            int width, height, subsampling, colorspace;
            if (tjDecompressHeader3(_handle, source, (nuint)jpeg.Length, &width, &height, &subsampling, &colorspace) != 0 || width <= 0 || height <= 0)
            {
                throw new InvalidDataException($"'{name}' is not a readable JPEG: {Marshal.PtrToStringUTF8(tjGetErrorStr2(_handle))}");
            }
            frame.Reset(width, height, width * 3, sequence, System.Diagnostics.Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
            fixed (byte* destination = frame.Pixels)
            {
                if (tjDecompress2(_handle, source, (nuint)jpeg.Length, destination, width, width * 3, height, PixelFormatBgr, 0) != 0)
                {
                    throw new InvalidDataException($"'{name}' could not be decoded: {Marshal.PtrToStringUTF8(tjGetErrorStr2(_handle))}");
                }
            }
        }
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            _ = tjDestroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    [LibraryImport(Library)]
    private static partial IntPtr tjInitDecompress();

    [LibraryImport(Library)]
    private static unsafe partial int tjDecompressHeader3(IntPtr handle, byte* jpegBuf, nuint jpegSize, int* width, int* height, int* subsamp, int* colorspace);

    [LibraryImport(Library)]
    private static unsafe partial int tjDecompress2(IntPtr handle, byte* jpegBuf, nuint jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    private static partial int tjDestroy(IntPtr handle);

    [LibraryImport(Library)]
    private static partial IntPtr tjGetErrorStr2(IntPtr handle);
}
