using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Inference;

/// <summary>
/// The process's one ONNX Runtime environment (ORT allows one per process), with ORT's own log routed into an
/// <see cref="ILogger"/> (category <c>OnnxRuntime</c>): ORT verbose → Trace, info → Debug, warning → Warning,
/// error → Error, fatal → Critical.
/// </summary>
public sealed unsafe class OrtEnvironment
{
    private static readonly Lock Gate = new();
    private static OrtEnvironment? _instance;
    private static ILogger _logger = NullLogger.Instance;

    private OrtEnvironment(OrtEnvHandle handle) => Handle = handle;

    internal OrtEnvHandle Handle { get; }

    /// <summary>Where ORT's log goes; may be replaced at any time (the daemon sets it at start).</summary>
    public static ILogger Logger
    {
        get => Volatile.Read(ref _logger);
        set => Volatile.Write(ref _logger, value ?? NullLogger.Instance);
    }

    /// <summary>ORT's log threshold for the environment, fixed at creation (ORT: 0 verbose … 4 fatal). Default 2 (warning).</summary>
    public static int LogSeverityThreshold { get; set; } = 2;

    /// <summary>ONNX Runtime's version string.</summary>
    public static string Version
    {
        get
        {
            OrtApi.EnsureLoaded();
            return OrtApi.Version;
        }
    }

    /// <summary>The environment, created on first use.</summary>
    public static OrtEnvironment Instance
    {
        get
        {
            lock (Gate)
            {
                return _instance ??= Create();
            }
        }
    }

    private static OrtEnvironment Create()
    {
        OrtApi.EnsureLoaded();
        var logId = OrtApi.Utf8("edgetracker");
        try
        {
            IntPtr env;
            delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, IntPtr, IntPtr, void> callback = &OnLog;
            OrtApi.Check(
                OrtApi.CreateEnvWithCustomLogger((IntPtr)callback, IntPtr.Zero, LogSeverityThreshold, (byte*)logId, &env),
                "Creating the ONNX Runtime environment");
            return new OrtEnvironment(new OrtEnvHandle(env));
        }
        finally
        {
            Marshal.FreeHGlobal(logId);
        }
    }

    // void (*OrtLoggingFunction)(void* param, OrtLoggingLevel severity, const char* category, const char* logid,
    //                            const char* code_location, const char* message)
    [UnmanagedCallersOnly]
    private static void OnLog(IntPtr param, int severity, IntPtr category, IntPtr logId, IntPtr codeLocation, IntPtr message)
    {
        try
        {
            var level = severity switch
            {
                0 => LogLevel.Trace,
                1 => LogLevel.Debug,
                2 => LogLevel.Warning,
                3 => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            var logger = Logger;
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "ONNX Runtime [{Category}] {Message} ({Location})",
                    Marshal.PtrToStringUTF8(category), Marshal.PtrToStringUTF8(message), Marshal.PtrToStringUTF8(codeLocation));
            }
        }
        catch
        {
            // An exception must never unwind into native code; a failing logger loses one line, nothing more.
        }
    }
}
