using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Inference;

/// <summary>
/// ORT session options built from <see cref="InferenceOptions"/>: intra-op threads (inter-op 1: our graphs are
/// sequential), thread spinning off unless asked, the optimisation level, an optional optimised-model file, and
/// the execution providers in the configured order. <see cref="Provider"/> says which provider runs the model.
/// </summary>
public sealed unsafe class OrtSessionOptions : IDisposable
{
    private OrtSessionOptions(OrtSessionOptionsHandle handle, string provider, IReadOnlyList<SkippedProvider> skipped)
    {
        Handle = handle;
        Provider = provider;
        Skipped = skipped;
    }

    internal OrtSessionOptionsHandle Handle { get; }

    /// <summary>The execution provider that runs the model: <c>tensorrt</c>, <c>cuda</c> or <c>cpu</c>.</summary>
    public string Provider { get; }

    /// <summary>Configured providers that could not be loaded, with ORT's reasons.</summary>
    public IReadOnlyList<SkippedProvider> Skipped { get; }

    /// <summary>
    /// Creates options. <paramref name="optimizedModelPath"/>, when given, is where ORT writes the optimised graph.
    /// Throws <see cref="OrtException"/> when a provider fails under <see cref="InferenceOptions.StrictProviders"/>.
    /// </summary>
    public static OrtSessionOptions Create(InferenceOptions options, ILogger? logger = null, string? optimizedModelPath = null)
    {
        options.Validate();
        OrtLibrary.Configure(options.OnnxRuntimePath);
        OrtApi.EnsureLoaded();
        IntPtr raw;
        OrtApi.Check(OrtApi.CreateSessionOptions(&raw), "CreateSessionOptions");
        var handle = new OrtSessionOptionsHandle(raw);
        try
        {
            OrtApi.Check(OrtApi.SetIntraOpNumThreads(raw, options.IntraOpThreads), "SetIntraOpNumThreads");
            OrtApi.Check(OrtApi.SetInterOpNumThreads(raw, 1), "SetInterOpNumThreads");
            OrtApi.Check(OrtApi.SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimization), "SetSessionGraphOptimizationLevel");
            var spin = options.AllowSpinning ? "1" : "0";
            AddConfigEntry(raw, "session.intra_op.allow_spinning", spin);
            AddConfigEntry(raw, "session.inter_op.allow_spinning", spin);
            if (optimizedModelPath is not null)
            {
                var path = OrtApi.Utf8(optimizedModelPath);
                try
                {
                    OrtApi.Check(OrtApi.SetOptimizedModelFilePath(raw, (byte*)path), "SetOptimizedModelFilePath");
                }
                finally
                {
                    Marshal.FreeHGlobal(path);
                }
            }
            var (inUse, skipped) = ExecutionProviders.Append(handle, options, logger ?? OrtEnvironment.Logger ?? NullLogger.Instance);
            return new OrtSessionOptions(handle, inUse, skipped);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void AddConfigEntry(IntPtr options, string key, string value)
    {
        var k = OrtApi.Utf8(key);
        var v = OrtApi.Utf8(value);
        try
        {
            OrtApi.Check(OrtApi.AddSessionConfigEntry(options, (byte*)k, (byte*)v), $"AddSessionConfigEntry({key})");
        }
        finally
        {
            Marshal.FreeHGlobal(k);
            Marshal.FreeHGlobal(v);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}
