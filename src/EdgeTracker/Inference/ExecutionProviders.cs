using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Inference;

/// <summary>A configured provider that could not be used, and ORT's reason.</summary>
public sealed record SkippedProvider(string Provider, string Reason);

/// <summary>
/// Appends the configured execution providers to session options in order. A provider that cannot load is
/// skipped with one warning naming it and ORT's reason (once per process and reason), or, with
/// <see cref="InferenceOptions.StrictProviders"/>, fails with an <see cref="OrtException"/>. CPU always works.
/// </summary>
public static unsafe class ExecutionProviders
{
    /// <summary>The provider names configuration may use.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(["tensorrt", "cuda", "cpu"], StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, bool> Warned = new(StringComparer.Ordinal);

    /// <summary>Forgets which skips were already warned about (tests).</summary>
    internal static void ForgetWarnings() => Warned.Clear();

    /// <summary>Appends the providers; returns the first one appended (the one that runs the model) and the skipped ones.</summary>
    internal static (string InUse, IReadOnlyList<SkippedProvider> Skipped) Append(
        OrtSessionOptionsHandle options, InferenceOptions settings, ILogger logger)
    {
        string? inUse = null;
        var skipped = new List<SkippedProvider>();
        foreach (var provider in settings.Providers)
        {
            var failure = provider switch
            {
                "tensorrt" => AppendTensorRt(options, settings),
                "cuda" => AppendCuda(options, settings),
                "cpu" => null, // ORT's CPU provider is always present and always last.
                _ => throw new ArgumentException($"Unknown execution provider '{provider}'."),
            };
            if (failure is null)
            {
                inUse ??= provider;
                if (provider == "cpu")
                {
                    break;
                }
                continue;
            }
            if (settings.StrictProviders)
            {
                throw new OrtException(
                    $"Execution provider '{provider}' could not be loaded and Inference:StrictProviders is set: {failure}");
            }
            skipped.Add(new SkippedProvider(provider, failure));
            if (Warned.TryAdd(provider + "\n" + failure, true))
            {
                logger.LogWarning("Execution provider {Provider} skipped: {Reason}", provider, failure);
            }
        }
        // Nothing listed loaded and cpu was not listed: ORT still runs on CPU, and says so.
        return (inUse ?? "cpu", skipped);
    }

    private static string? AppendTensorRt(OrtSessionOptionsHandle options, InferenceOptions settings)
    {
        IntPtr trt;
        var status = OrtApi.CreateTensorRTProviderOptions(&trt);
        if (status != IntPtr.Zero)
        {
            return OrtApi.TakeStatus(status).Message;
        }
        try
        {
            Directory.CreateDirectory(settings.TensorRt.CacheFolder);
            var entries = TensorRtEntries(settings);
            var failure = Update(trt, entries, &UpdateTrt);
            if (failure is not null)
            {
                return failure;
            }
            status = OrtApi.SessionOptionsAppendExecutionProvider_TensorRT_V2(options.DangerousGetHandle(), trt);
            return status == IntPtr.Zero ? null : OrtApi.TakeStatus(status).Message;
        }
        finally
        {
            OrtApi.ReleaseTensorRTProviderOptions(trt);
        }
    }

    /// <summary>The TensorRT provider's options as ORT's key/value pairs (a dynamic-shape profile only when one is set).</summary>
    internal static (string Key, string Value)[] TensorRtEntries(InferenceOptions settings)
    {
        var entries = new List<(string Key, string Value)>
        {
            ("device_id", settings.CudaDeviceId.ToString(CultureInfo.InvariantCulture)),
            ("trt_fp16_enable", settings.TensorRt.Fp16 ? "1" : "0"),
            ("trt_max_workspace_size", settings.TensorRt.WorkspaceBytes.ToString(CultureInfo.InvariantCulture)),
            ("trt_engine_cache_enable", "1"),
            ("trt_engine_cache_path", settings.TensorRt.CacheFolder),
            ("trt_timing_cache_enable", "1"),
            ("trt_timing_cache_path", settings.TensorRt.CacheFolder),
        };
        if (settings.TensorRt.Profile is { } profile)
        {
            // Without an explicit profile TensorRT builds an engine for the first batch size it sees and rebuilds
            // (minutes on a Jetson) whenever a larger one arrives; one profile covering 1..max builds once.
            entries.Add(("trt_profile_min_shapes", profile.Min));
            entries.Add(("trt_profile_opt_shapes", profile.Opt));
            entries.Add(("trt_profile_max_shapes", profile.Max));
        }
        return [.. entries];
    }

    private static string? AppendCuda(OrtSessionOptionsHandle options, InferenceOptions settings)
    {
        IntPtr cuda;
        var status = OrtApi.CreateCUDAProviderOptions(&cuda);
        if (status != IntPtr.Zero)
        {
            return OrtApi.TakeStatus(status).Message;
        }
        try
        {
            var failure = Update(cuda, [("device_id", settings.CudaDeviceId.ToString(CultureInfo.InvariantCulture))], &UpdateCudaOptions);
            if (failure is not null)
            {
                return failure;
            }
            status = OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(options.DangerousGetHandle(), cuda);
            return status == IntPtr.Zero ? null : OrtApi.TakeStatus(status).Message;
        }
        finally
        {
            OrtApi.ReleaseCUDAProviderOptions(cuda);
        }
    }

    private static IntPtr UpdateTrt(IntPtr o, byte** k, byte** v, nuint n) => OrtApi.UpdateTensorRTProviderOptions(o, k, v, n);

    private static IntPtr UpdateCudaOptions(IntPtr o, byte** k, byte** v, nuint n) => OrtApi.UpdateCUDAProviderOptions(o, k, v, n);

    private static string? Update(IntPtr providerOptions, (string Key, string Value)[] entries, delegate*<IntPtr, byte**, byte**, nuint, IntPtr> update)
    {
        var keys = new IntPtr[entries.Length];
        var values = new IntPtr[entries.Length];
        try
        {
            for (var i = 0; i < entries.Length; i++)
            {
                keys[i] = OrtApi.Utf8(entries[i].Key);
                values[i] = OrtApi.Utf8(entries[i].Value);
            }
            fixed (IntPtr* k = keys, v = values)
            {
                var status = update(providerOptions, (byte**)k, (byte**)v, (nuint)entries.Length);
                return status == IntPtr.Zero ? null : OrtApi.TakeStatus(status).Message;
            }
        }
        finally
        {
            foreach (var p in keys) { if (p != IntPtr.Zero) Marshal.FreeHGlobal(p); }
            foreach (var p in values) { if (p != IntPtr.Zero) Marshal.FreeHGlobal(p); }
        }
    }
}
