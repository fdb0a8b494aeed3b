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
