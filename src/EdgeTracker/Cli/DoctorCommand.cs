using System.CommandLine;
using System.Runtime.InteropServices;

namespace EdgeTracker.Cli;

/// <summary>
/// <c>edgetracker doctor</c>: reports which native libraries this machine can load, and from where, so an
/// operator sees a missing package before the daemon needs it.
/// </summary>
public static class DoctorCommand
{
    private static readonly (string Name, string[] Candidates, string Package)[] Libraries =
    [
        ("ONNX Runtime", ["libonnxruntime.so.1", "libonnxruntime.so"], "scripts/install-deps.sh (onnxruntime-node), or JetPack's onnxruntime-gpu build"),
        ("GStreamer", ["libgstreamer-1.0.so.0"], "Debian: libgstreamer1.0-0 (JetPack: preinstalled)"),
        ("GStreamer app", ["libgstapp-1.0.so.0"], "Debian: gstreamer1.0-plugins-base"),
        ("libturbojpeg", ["libturbojpeg.so.0"], "Debian: libturbojpeg0"),
    ];

    public static Command Create()
    {
        var command = new Command("doctor", "Check that the native libraries EdgeTracker needs can be loaded.");
        command.SetAction(_ =>
        {
            var missing = 0;
            foreach (var (name, candidates, package) in Libraries)
            {
                var found = candidates
                    .Select(c => (Candidate: c, Path: Path.Combine(AppContext.BaseDirectory, c)))
                    .Select(c => NativeLibrary.TryLoad(File.Exists(c.Path) ? c.Path : c.Candidate, out var h)
                        ? (Loaded: true, c.Candidate, Handle: h)
                        : (Loaded: false, c.Candidate, Handle: IntPtr.Zero))
                    .FirstOrDefault(r => r.Loaded);
                if (found.Loaded)
                {
                    Console.WriteLine($"ok       {name,-14} {found.Candidate}");
                    NativeLibrary.Free(found.Handle);
                }
                else
                {
                    missing++;
                    Console.WriteLine($"MISSING  {name,-14} {string.Join(" or ", candidates)} — install: {package}");
                }
            }
            return missing == 0 ? 0 : 1;
        });
        return command;
    }
}
