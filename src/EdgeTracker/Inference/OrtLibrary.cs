using System.Runtime.InteropServices;

namespace EdgeTracker.Inference;

/// <summary>
/// Finds and loads ONNX Runtime's shared library. Search order, first hit wins:
/// <list type="number">
/// <item>the configured path: <see cref="ConfiguredPath"/> (the daemon sets it from <c>Inference:OnnxRuntimePath</c>),
/// else the environment variable <c>EDGETRACKER_ONNXRUNTIME</c> — an operator's own TensorRT/CUDA build;</item>
/// <item><c>libonnxruntime.so.1</c> next to the EdgeTracker binaries (the CPU build the project's build copies there);</item>
/// <item>the system's loader search (<c>LD_LIBRARY_PATH</c>, ldconfig): <c>libonnxruntime.so.1</c>, then <c>libonnxruntime.so</c>.</item>
/// </list>
/// A configured path that does not load is an error (never silently replaced by another build).
/// </summary>
public static class OrtLibrary
{
    /// <summary>Environment variable naming an ONNX Runtime library to use instead of the bundled one.</summary>
    public const string EnvironmentVariable = "EDGETRACKER_ONNXRUNTIME";

    private static readonly string[] SystemNames = ["libonnxruntime.so.1", "libonnxruntime.so"];
    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>A path set by configuration; must be set before the first ONNX Runtime use to take effect.</summary>
    public static string? ConfiguredPath { get; set; }

    /// <summary>Where the library was loaded from (null until loaded).</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>
    /// Applies a configured path before the first load; fails if another library is already loaded in this process
    /// (ORT cannot be swapped at run time).
    /// </summary>
    public static void Configure(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                if (!string.Equals(Path.GetFullPath(path), Path.GetFullPath(LoadedFrom ?? ""), StringComparison.Ordinal))
                {
                    throw new OrtException(
                        $"Inference:OnnxRuntimePath is '{path}', but ONNX Runtime was already loaded from '{LoadedFrom}' in this process; restart to switch.");
                }
                return;
            }
            ConfiguredPath = path;
        }
    }

    /// <summary>Loads the library once and returns its handle; throws <see cref="DllNotFoundException"/> naming every place tried.</summary>
    public static IntPtr Load()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                return _handle;
            }
            var configured = string.IsNullOrWhiteSpace(ConfiguredPath)
                ? Environment.GetEnvironmentVariable(EnvironmentVariable)
                : ConfiguredPath;
            if (!string.IsNullOrWhiteSpace(configured))
            {
                try
                {
                    _handle = NativeLibrary.Load(configured);
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    throw new DllNotFoundException(
                        $"ONNX Runtime configured at '{configured}' (Inference:OnnxRuntimePath or {EnvironmentVariable}) could not be loaded: {e.Message}", e);
                }
                LoadedFrom = configured;
                return _handle;
            }
            var tried = new List<string>();
            var beside = Path.Combine(AppContext.BaseDirectory, SystemNames[0]);
            tried.Add(beside);
            if (File.Exists(beside) && NativeLibrary.TryLoad(beside, out _handle))
            {
                LoadedFrom = beside;
                return _handle;
            }
            foreach (var name in SystemNames)
            {
                tried.Add(name);
                if (NativeLibrary.TryLoad(name, out _handle))
                {
                    LoadedFrom = name;
                    return _handle;
                }
            }
            throw new DllNotFoundException(
                $"ONNX Runtime not found (tried {string.Join(", ", tried)}). Run scripts/install-deps.sh, or set " +
                $"Inference:OnnxRuntimePath / {EnvironmentVariable} to your libonnxruntime.so.1.");
        }
    }
}
