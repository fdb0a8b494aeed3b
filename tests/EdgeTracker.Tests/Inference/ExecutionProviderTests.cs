using EdgeTracker.Inference;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Tests.Inference;

/// <summary>Provider fallback and strictness on the CPU-only build installed here (no TensorRT, no CUDA).</summary>
[Collection(OrtCollection.Name)]
public sealed class ExecutionProviderTests
{
    [Fact]
    public void Unloadable_providers_are_skipped_with_a_warning_naming_each_and_ORTs_reason_and_cpu_runs()
    {
        ExecutionProviders.ForgetWarnings();
        var logger = new CapturingLogger();
        using var options = OrtSessionOptions.Create(
            new InferenceOptions { Providers = ["tensorrt", "cuda", "cpu"], TensorRt = new() { CacheFolder = Path.Combine(Path.GetTempPath(), "et-trt-test") } },
            logger);
        Assert.Equal("cpu", options.Provider);
        Assert.Equal(["tensorrt", "cuda"], options.Skipped.Select(s => s.Provider));
        Assert.All(options.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        foreach (var skipped in options.Skipped)
        {
            Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(skipped.Provider) && l.Message.Contains(skipped.Reason));
        }

        // Every session of every tracker creates options: the same skip is not warned about again.
        var again = new CapturingLogger();
        using var second = OrtSessionOptions.Create(new InferenceOptions { Providers = ["tensorrt", "cuda", "cpu"], TensorRt = TrtCache }, again);
        Assert.Equal("cpu", second.Provider);
        Assert.Empty(again.Lines);
    }

    private static readonly TensorRtOptions TrtCache = new() { CacheFolder = Path.Combine(Path.GetTempPath(), "et-trt-test") };

    [Fact]
    public void A_batched_session_gives_TensorRT_one_profile_from_one_item_to_the_largest_batch()
    {
        // TensorRT cannot run here; what can be checked is exactly what ORT's TensorRT provider is handed.
        var plain = ExecutionProviders.TensorRtEntries(new InferenceOptions { TensorRt = TrtCache });
        Assert.DoesNotContain(plain, e => e.Key.StartsWith("trt_profile", StringComparison.Ordinal));

        var profile = TensorRtProfile.ForBatch("input", [3, 255, 255], maxBatch: 4);
        var batched = ExecutionProviders.TensorRtEntries(new InferenceOptions { TensorRt = TrtCache with { Profile = profile } }).ToDictionary();
        Assert.Equal("input:1x3x255x255", batched["trt_profile_min_shapes"]);
        Assert.Equal("input:1x3x255x255", batched["trt_profile_opt_shapes"]);
        Assert.Equal("input:4x3x255x255", batched["trt_profile_max_shapes"]);
        Assert.Equal("1", batched["trt_engine_cache_enable"]);
    }

    [Theory]
    [InlineData("tensorrt")]
    [InlineData("cuda")]
    public void Strict_providers_make_an_unloadable_provider_fatal_with_ORTs_reason(string provider)
    {
        var e = Assert.Throws<OrtException>(() => OrtSessionOptions.Create(new InferenceOptions
        {
            Providers = [provider, "cpu"],
            StrictProviders = true,
            TensorRt = new() { CacheFolder = Path.Combine(Path.GetTempPath(), "et-trt-test") },
        }));
        Assert.Contains($"'{provider}'", e.Message);
        Assert.Contains("StrictProviders", e.Message);
    }

    [Fact]
    public void An_unknown_provider_name_is_rejected_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtSessionOptions.Create(new InferenceOptions { Providers = ["tpu", "cpu"] }));
        Assert.Contains("'tpu'", e.Message);
    }
}
