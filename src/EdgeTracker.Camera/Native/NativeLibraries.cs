using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeTracker.Camera.Native;

/// <summary>
/// Finds the native libraries EdgeTracker.Camera binds (GStreamer, GLib, libturbojpeg) through
/// <see cref="NativeLibrary"/>, in this order:
/// <list type="number">
/// <item><see cref="SearchDirectory"/> when set (the daemon's configured native folder), else the
/// <c>EDGETRACKER_NATIVE_DIR</c> environment variable;</item>
/// <item>the folder holding the application's binaries (<see cref="AppContext.BaseDirectory"/>);</item>
/// <item>the system loader (ld.so cache, <c>LD_LIBRARY_PATH</c>) by versioned soname, then by unversioned name.</item>
/// </list>
/// A library found nowhere gives a <see cref="DllNotFoundException"/> naming the library and the Debian/JetPack package.
/// </summary>
public static class NativeLibraries
{
    internal const string GStreamer = "gstreamer-1.0";
    internal const string GStreamerApp = "gstapp-1.0";
    internal const string GLib = "glib-2.0";
    internal const string GObject = "gobject-2.0";
    internal const string TurboJpeg = "turbojpeg";

    private static readonly Lock Gate = new();
    private static bool _registered;
    private static string? _searchDirectory;

    /// <summary>(soname, package that provides it) for every library this assembly imports.</summary>
    private static readonly Dictionary<string, (string SoName, string Package)> Known = new()
    {
        [GStreamer] = ("libgstreamer-1.0.so.0", "libgstreamer1.0-0 (Debian; JetPack ships it)"),
        [GStreamerApp] = ("libgstapp-1.0.so.0", "libgstreamer-plugins-base1.0-0 (Debian; JetPack ships it)"),
        [GLib] = ("libglib-2.0.so.0", "libglib2.0-0"),
        [GObject] = ("libgobject-2.0.so.0", "libglib2.0-0"),
        [TurboJpeg] = ("libturbojpeg.so.0", "libturbojpeg0 (Debian and JetPack/Ubuntu)"),
    };

    /// <summary>
    /// A folder searched before every other place (set it before the first camera or JPEG codec is created);
    /// <c>null</c> falls back to <c>EDGETRACKER_NATIVE_DIR</c>.
    /// </summary>
    public static string? SearchDirectory
    {
        get => _searchDirectory ?? Environment.GetEnvironmentVariable("EDGETRACKER_NATIVE_DIR");
        set => _searchDirectory = value;
    }

    /// <summary>Installs the resolver once; every binding calls this before its first native call.</summary>
    internal static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
            _registered = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!Known.TryGetValue(name, out var known))
        {
            return IntPtr.Zero; // not ours: default probing
        }
        return Load(known.SoName, known.Package);
    }

    /// <summary>Loads <paramref name="soName"/> in the documented order or throws naming it and its package.</summary>
    internal static IntPtr Load(string soName, string package)
    {
        foreach (var candidate in Candidates(soName))
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException(
            $"Native library '{soName}' was not found (searched: {string.Join(", ", Candidates(soName))}). " +
            $"Install the package {package}, or set EDGETRACKER_NATIVE_DIR to the folder holding it.");
    }

    private static IEnumerable<string> Candidates(string soName)
    {
        var configured = SearchDirectory;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            yield return Path.Combine(configured, soName);
        }
        yield return Path.Combine(AppContext.BaseDirectory, soName);
        yield return soName;
        yield return soName[..soName.IndexOf(".so", StringComparison.Ordinal)] + ".so";
    }
}
