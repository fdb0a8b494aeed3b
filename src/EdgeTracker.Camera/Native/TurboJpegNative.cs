using System.Runtime.InteropServices;

namespace EdgeTracker.Camera.Native;

/// <summary>Every libturbojpeg (TurboJPEG 2.x API) entry point EdgeTracker uses, and nothing else.</summary>
internal static unsafe partial class TurboJpegNative
{
    static TurboJpegNative() => NativeLibraries.EnsureRegistered();

    public const int PixelFormatBgr = 1;
    public const int FlagNoRealloc = 1024;

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjInitCompress")]
    public static partial IntPtr InitCompress();

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjInitDecompress")]
    public static partial IntPtr InitDecompress();

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjDestroy")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjBufSize")]
    public static partial nuint BufSize(int width, int height, int subsampling);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjCompress2")]
    public static partial int Compress2(IntPtr handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuffer, nuint* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjDecompressHeader3")]
    public static partial int DecompressHeader3(IntPtr handle, byte* jpegBuffer, nuint jpegSize,
        out int width, out int height, out int subsampling, out int colorspace);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjDecompress2")]
    public static partial int Decompress2(IntPtr handle, byte* jpegBuffer, nuint jpegSize, byte* destination,
        int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjGetErrorStr2")]
    public static partial IntPtr GetErrorStr2(IntPtr handle);

    [LibraryImport(NativeLibraries.TurboJpeg, EntryPoint = "tjGetErrorCode")]
    public static partial int GetErrorCode(IntPtr handle);

    /// <summary>TJERR_WARNING: the data had a recoverable problem (e.g. truncated), the output is still written.</summary>
    public const int ErrorWarning = 0;

    public static string ErrorOf(IntPtr handle) =>
        Marshal.PtrToStringUTF8(GetErrorStr2(handle)) ?? "unknown libturbojpeg error";
}

/// <summary>A TurboJPEG compressor or decompressor instance: released with tjDestroy.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    private TurboJpegHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static TurboJpegHandle Create(bool compress)
    {
        var raw = compress ? TurboJpegNative.InitCompress() : TurboJpegNative.InitDecompress();
        if (raw == IntPtr.Zero)
        {
            throw new CameraException($"libturbojpeg could not create a {(compress ? "compressor" : "decompressor")}: {TurboJpegNative.ErrorOf(IntPtr.Zero)}");
        }
        return new TurboJpegHandle(raw);
    }

    protected override bool ReleaseHandle() => TurboJpegNative.Destroy(handle) == 0;
}
