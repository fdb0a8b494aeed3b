using System.Runtime.InteropServices;
using System.Text;

namespace EdgeTracker.Camera.Native;

/// <summary>
/// GStreamer initialisation, plugin checks and the message-type accessor: the small amount of policy that sits
/// right above <see cref="GstNative"/>.
/// </summary>
internal static class Gst
{
    private static readonly Lock Gate = new();
    private static bool _initialised;

    /// <summary>
    /// Offset of <c>GstMessage.type</c>: right after the public <c>GstMiniObject</c> header (64 bytes on LP64,
    /// 36 on 32-bit), ABI-stable across GStreamer 1.x. Checked against a real message at initialisation.
    /// </summary>
    private static readonly int MessageTypeOffset = IntPtr.Size == 8 ? 64 : 36;

    /// <summary>
    /// Offset of <c>GstBuffer.pts</c>: after the <c>GstMiniObject</c> header and the pool pointer (72 on LP64, 40 on
    /// 32-bit); dts, duration, offset and offset_end follow. Checked against a fresh buffer at initialisation.
    /// </summary>
    private static readonly int BufferPtsOffset = IntPtr.Size == 8 ? 72 : 40;

    /// <summary>Debian/JetPack packages that provide the elements EdgeTracker's pipelines use.</summary>
    private static readonly Dictionary<string, string> PackageOfElement = new(StringComparer.Ordinal)
    {
        ["nvarguscamerasrc"] = "nvidia-l4t-gstreamer (JetPack)",
        ["nvvidconv"] = "nvidia-l4t-gstreamer (JetPack)",
        ["nvv4l2decoder"] = "nvidia-l4t-gstreamer (JetPack)",
        ["nvjpegdec"] = "nvidia-l4t-gstreamer (JetPack)",
        ["appsink"] = "gstreamer1.0-plugins-base",
        ["videoconvert"] = "gstreamer1.0-plugins-base",
        ["videoscale"] = "gstreamer1.0-plugins-base",
        ["videorate"] = "gstreamer1.0-plugins-base",
        ["videotestsrc"] = "gstreamer1.0-plugins-base",
        ["decodebin"] = "gstreamer1.0-plugins-base",
        ["uridecodebin"] = "gstreamer1.0-plugins-base",
        ["souphttpsrc"] = "gstreamer1.0-plugins-good",
        ["multipartdemux"] = "gstreamer1.0-plugins-good",
        ["jpegdec"] = "gstreamer1.0-plugins-good",
        ["jpegenc"] = "gstreamer1.0-plugins-good",
        ["rtspsrc"] = "gstreamer1.0-plugins-good",
        ["v4l2src"] = "gstreamer1.0-plugins-good",
        ["multifilesrc"] = "gstreamer1.0-plugins-good",
        ["rtph264depay"] = "gstreamer1.0-plugins-good",
        ["h264parse"] = "gstreamer1.0-plugins-bad",
        ["avdec_h264"] = "gstreamer1.0-libav",
        ["x264enc"] = "gstreamer1.0-plugins-ugly",
        ["filesrc"] = "libgstreamer1.0-0 (GStreamer core)",
        ["queue"] = "libgstreamer1.0-0 (GStreamer core)",
        ["capsfilter"] = "libgstreamer1.0-0 (GStreamer core)",
        ["fakesink"] = "libgstreamer1.0-0 (GStreamer core)",
        ["identity"] = "libgstreamer1.0-0 (GStreamer core)",
    };

    /// <summary>Initialises GStreamer once per process; throws with GStreamer's own message when it cannot.</summary>
    public static void EnsureInitialised()
    {
        lock (Gate)
        {
            if (_initialised)
            {
                return;
            }
            if (!GstNative.InitCheck(IntPtr.Zero, IntPtr.Zero, out var error))
            {
                throw new CameraException($"GStreamer failed to initialise: {GstNative.TakeError(error)}");
            }
            CheckMessageLayout();
            CheckBufferLayout();
            _initialised = true;
        }
    }

    /// <summary>The loaded GStreamer's version, e.g. "GStreamer 1.22.0".</summary>
    public static string Version
    {
        get
        {
            EnsureInitialised();
            return Marshal.PtrToStringUTF8(GstNative.VersionString()) ?? "GStreamer (unknown version)";
        }
    }

    /// <summary>The type of a message (see <see cref="MessageTypeOffset"/>).</summary>
    public static GstNative.MessageType TypeOf(IntPtr message) =>
        (GstNative.MessageType)(uint)Marshal.ReadInt32(message, MessageTypeOffset);

    /// <summary>A buffer's presentation time in nanoseconds of running time, or <see cref="GstNative.ClockTimeNone"/>.</summary>
    public static ulong PtsOf(IntPtr buffer) => (ulong)Marshal.ReadInt64(buffer, BufferPtsOffset);

    /// <summary>
    /// Throws <see cref="MissingGStreamerElementException"/> naming every element of <paramref name="pipeline"/>
    /// that no installed plugin provides, with the package to install.
    /// </summary>
    public static void CheckElementsInstalled(string pipeline)
    {
        EnsureInitialised();
        List<string>? missing = null;
        foreach (var name in ElementNames(pipeline))
        {
            var factory = GstNative.ElementFactoryFind(name);
            if (factory == IntPtr.Zero)
            {
                (missing ??= []).Add(name);
            }
            else
            {
                GstNative.ObjectUnref(factory);
            }
        }
        if (missing is not null)
        {
            var detail = string.Join("; ", missing.Select(m =>
                PackageOfElement.TryGetValue(m, out var package)
                    ? $"'{m}' (install {package})"
                    : $"'{m}' (no known package; `gst-inspect-1.0 {m}` must find it)"));
            throw new MissingGStreamerElementException(missing, $"GStreamer element(s) missing: {detail}.");
        }
    }

    /// <summary>
    /// The factory names in a gst-launch description: the first word of each '!'-separated segment, skipping caps
    /// (contain '/'), pad references ("demux.") and property assignments. Quoted strings are respected.
    /// </summary>
    public static IReadOnlyList<string> ElementNames(string pipeline)
    {
        var names = new List<string>();
        foreach (var segment in SplitOutsideQuotes(pipeline, '!'))
        {
            foreach (var word in SplitOutsideQuotes(segment, ' '))
            {
                var token = word.Trim();
                if (token.Length == 0)
                {
                    continue;
                }
                // A segment may start with a pad reference ("demux. ! queue" or "t. queue"): skip those words.
                if (token.EndsWith('.') || token.Contains('=') && !token.Contains('/'))
                {
                    if (token.EndsWith('.'))
                    {
                        continue;
                    }
                    break;
                }
                if (!token.Contains('/') && !token.Contains('(') && !token.Contains(',') && !token.Contains('"'))
                {
                    names.Add(token);
                }
                break;
            }
        }
        return names;
    }

    private static IEnumerable<string> SplitOutsideQuotes(string text, char separator)
    {
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (c == separator && !quoted)
            {
                yield return current.ToString();
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        yield return current.ToString();
    }

    private static void CheckBufferLayout()
    {
        // A new buffer has pts, dts, duration, offset and offset_end all "none" (all bits set): five 64-bit
        // fields in a row at the expected place, which nothing else in the struct would show.
        var buffer = GstNative.BufferNew();
        try
        {
            for (var field = 0; field < 5; field++)
            {
                if (Marshal.ReadInt64(buffer, BufferPtsOffset + field * 8) != -1)
                {
                    throw new CameraException("This GStreamer's GstBuffer layout is not the expected one (pts/dts/duration/offsets).");
                }
            }
        }
        finally
        {
            GstNative.MiniObjectUnref(buffer);
        }
    }

    private static void CheckMessageLayout()
    {
        var eos = GstNative.MessageNewEos(IntPtr.Zero);
        try
        {
            var type = TypeOf(eos);
            if (type != GstNative.MessageType.Eos)
            {
                throw new CameraException(
                    $"This GStreamer's GstMessage layout is not the expected one (type field read {(uint)type}, expected EOS=1).");
            }
        }
        finally
        {
            GstNative.MiniObjectUnref(eos);
        }
    }
}
