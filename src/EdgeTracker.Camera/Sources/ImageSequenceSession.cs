using System.Diagnostics;
using System.Globalization;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;
using Microsoft.Win32.SafeHandles;

namespace EdgeTracker.Camera.Sources;

/// <summary>
/// Replays an OTB (<c>img/0001.jpg</c>…) or VOT (<c>00000001.jpg</c>… in the folder itself) sequence in frame
/// order, decoding with libturbojpeg straight into pooled frames (docs/camera.md says why not GStreamer), paced
/// at the requested rate or unpaced. Sequence numbers are the 1-based image index.
/// </summary>
internal sealed class ImageSequenceSession(SourceDescription source, CancellationToken stop) : ICaptureSession
{
    private JpegDecoder? _decoder;
    private byte[] _file = [];

    public long OpenedAt { get; private set; }

    /// <summary>The sequence's JPEG files in frame order; throws <see cref="CameraException"/> when there are none.</summary>
    public static string[] FindImages(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new CameraException($"Image sequence folder '{folder}' does not exist.");
        }
        var flat = JpegsIn(folder);
        var otb = Path.Combine(folder, "img");
        var files = flat.Length > 0 ? flat : Directory.Exists(otb) ? JpegsIn(otb) : [];
        if (files.Length == 0)
        {
            throw new CameraException($"Image sequence folder '{folder}' holds no .jpg files (looked in it and in its img/ folder).");
        }
        // Numeric order of the file stems (OTB 0001.jpg, UAV123 000001.jpg, VOT 00000001.jpg); names that are not
        // numbers sort after, by name, so the order never depends on the file system.
        Array.Sort(files, static (a, b) =>
        {
            var na = NumberOf(a);
            var nb = NumberOf(b);
            return na != nb ? na.CompareTo(nb) : string.CompareOrdinal(a, b);
        });
        return files;
    }

    private static string[] JpegsIn(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .ToArray();

    private static long NumberOf(string path) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;

    public SessionOutcome Run(CameraCapture camera)
    {
        string[] files;
        try
        {
            files = FindImages(source.Folder!);
            // Size the read buffer for the largest file now, so replay never grows it mid-sequence.
            _file = GC.AllocateUninitializedArray<byte>(checked((int)files.Max(f => new FileInfo(f).Length)));
            _decoder = new JpegDecoder();
        }
        catch (CameraException ex)
        {
            return SessionOutcome.Failed(ex.Message);
        }
        var interval = source.RequestedFps > 0 ? Stopwatch.Frequency / source.RequestedFps : 0;
        long delivered = 0;
        do
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < files.Length; i++)
            {
                if (interval > 0 && !WaitUntil(start + (long)(i * interval)))
                {
                    return SessionOutcome.Stopped(delivered);
                }
                if (!camera.FramePool.TryRent(TimeSpan.FromDays(1), stop, out var frame))
                {
                    return SessionOutcome.Stopped(delivered);
                }
                try
                {
                    var length = ReadFile(files[i]);
                    _decoder.Decode(_file.AsSpan(0, length), frame, sequence: i + 1);
                }
                catch (Exception ex) when (ex is CameraException or IOException or UnauthorizedAccessException)
                {
                    frame.Dispose();
                    return SessionOutcome.Failed($"Image {i + 1} ('{files[i]}'): {ex.Message}");
                }
                if (OpenedAt == 0)
                {
                    OpenedAt = Stopwatch.GetTimestamp();
                    camera.OnOpened(frame.Width, frame.Height, source.RequestedFps, "BGR");
                }
                if (!camera.Publish(frame, stop))
                {
                    return SessionOutcome.Stopped(delivered);
                }
                delivered++;
            }
        }
        while (source.Loop && !stop.IsCancellationRequested);
        return stop.IsCancellationRequested ? SessionOutcome.Stopped(delivered) : SessionOutcome.Ended(delivered);
    }

    /// <summary>Waits (cancellably) until a Stopwatch timestamp; false when stopping.</summary>
    private bool WaitUntil(long timestamp)
    {
        var left = timestamp - Stopwatch.GetTimestamp();
        if (left <= 0)
        {
            return !stop.IsCancellationRequested;
        }
        return !stop.WaitHandle.WaitOne(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
    }

    /// <summary>Reads a whole file into the reused buffer (grown only for a larger file).</summary>
    private int ReadFile(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path);
        var length = checked((int)RandomAccess.GetLength(handle));
        if (_file.Length < length)
        {
            _file = GC.AllocateUninitializedArray<byte>(length);
        }
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(handle, _file.AsSpan(read, length - read), read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return read;
    }

    public void Dispose() => _decoder?.Dispose();
}
