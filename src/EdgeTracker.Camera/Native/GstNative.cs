using System.Runtime.InteropServices;

namespace EdgeTracker.Camera.Native;

/// <summary>
/// Every GStreamer/GLib C entry point EdgeTracker uses, and nothing else. Object lifetimes are handled by the
/// SafeHandles in <c>GstHandles.cs</c>; callers above this class never see a raw pointer they must free.
/// </summary>
internal static unsafe partial class GstNative
{
    static GstNative() => NativeLibraries.EnsureRegistered();

    public const ulong ClockTimeNone = ulong.MaxValue;

    public enum State
    {
        VoidPending = 0,
        Null = 1,
        Ready = 2,
        Paused = 3,
        Playing = 4,
    }

    public enum StateChangeReturn
    {
        Failure = 0,
        Success = 1,
        Async = 2,
        NoPreroll = 3,
    }

    [Flags]
    public enum MessageType : uint
    {
        Eos = 1 << 0,
        Error = 1 << 1,
        Warning = 1 << 2,
        Any = 0xffffffff,
    }

    public const int FormatTime = 3;
    public const int SeekFlagFlush = 1 << 0;
    public const int SeekFlagKeyUnit = 1 << 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct GError
    {
        public uint Domain;
        public int Code;
        public IntPtr Message;
    }

    // ---- core
    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_init_check")]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial bool InitCheck(IntPtr argc, IntPtr argv, out IntPtr error);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_version_string")]
    public static partial IntPtr VersionString();

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_parse_launch", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ParseLaunch(string description, out IntPtr error);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_factory_find", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr ElementFactoryFind(string name);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_object_unref")]
    public static partial void ObjectUnref(IntPtr gstObject);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_mini_object_ref")]
    public static partial IntPtr MiniObjectRef(IntPtr miniObject);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_mini_object_unref")]
    public static partial void MiniObjectUnref(IntPtr miniObject);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_set_state")]
    public static partial StateChangeReturn ElementSetState(IntPtr element, State state);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_get_state")]
    public static partial StateChangeReturn ElementGetState(IntPtr element, out State state, out State pending, ulong timeout);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_get_bus")]
    public static partial IntPtr ElementGetBus(IntPtr element);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_seek_simple")]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial bool ElementSeekSimple(IntPtr element, int format, int flags, long position);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_bin_get_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr BinGetByName(IntPtr bin, string name);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_get_base_time")]
    public static partial ulong ElementGetBaseTime(IntPtr element);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_element_get_clock")]
    public static partial IntPtr ElementGetClock(IntPtr element);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_clock_get_time")]
    public static partial ulong ClockGetTime(IntPtr clock);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_buffer_new")]
    public static partial IntPtr BufferNew();

    // ---- bus and messages
    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_bus_timed_pop_filtered")]
    public static partial IntPtr BusTimedPopFiltered(IntPtr bus, ulong timeout, MessageType types);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_message_parse_error")]
    public static partial void MessageParseError(IntPtr message, out IntPtr error, out IntPtr debug);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_message_parse_warning")]
    public static partial void MessageParseWarning(IntPtr message, out IntPtr error, out IntPtr debug);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_message_new_eos")]
    public static partial IntPtr MessageNewEos(IntPtr source);

    // ---- samples, caps, buffers
    [LibraryImport(NativeLibraries.GStreamerApp, EntryPoint = "gst_app_sink_try_pull_sample")]
    public static partial IntPtr AppSinkTryPullSample(IntPtr appSink, ulong timeoutNs);

    [LibraryImport(NativeLibraries.GStreamerApp, EntryPoint = "gst_app_sink_is_eos")]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial bool AppSinkIsEos(IntPtr appSink);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_sample_get_caps")]
    public static partial IntPtr SampleGetCaps(IntPtr sample);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_sample_get_buffer")]
    public static partial IntPtr SampleGetBuffer(IntPtr sample);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_caps_get_structure")]
    public static partial IntPtr CapsGetStructure(IntPtr caps, uint index);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_structure_get_int", StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial bool StructureGetInt(IntPtr structure, string field, out int value);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_structure_get_fraction", StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.I4)]
    public static partial bool StructureGetFraction(IntPtr structure, string field, out int numerator, out int denominator);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_structure_get_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr StructureGetString(IntPtr structure, string field);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_buffer_get_size")]
    public static partial nuint BufferGetSize(IntPtr buffer);

    [LibraryImport(NativeLibraries.GStreamer, EntryPoint = "gst_buffer_extract")]
    public static partial nuint BufferExtract(IntPtr buffer, nuint offset, byte* destination, nuint size);

    // ---- GLib
    [LibraryImport(NativeLibraries.GLib, EntryPoint = "g_error_free")]
    public static partial void ErrorFree(IntPtr error);

    [LibraryImport(NativeLibraries.GLib, EntryPoint = "g_free")]
    public static partial void Free(IntPtr memory);

    /// <summary>Reads a GError's message and frees the GError (null-safe).</summary>
    public static string TakeError(IntPtr error)
    {
        if (error == IntPtr.Zero)
        {
            return "unknown error";
        }
        var message = Marshal.PtrToStringUTF8(Marshal.PtrToStructure<GError>(error).Message) ?? "unknown error";
        ErrorFree(error);
        return message;
    }

    /// <summary>Reads a g_malloc'ed string and frees it (null-safe).</summary>
    public static string? TakeString(IntPtr text)
    {
        if (text == IntPtr.Zero)
        {
            return null;
        }
        var value = Marshal.PtrToStringUTF8(text);
        Free(text);
        return value;
    }
}
