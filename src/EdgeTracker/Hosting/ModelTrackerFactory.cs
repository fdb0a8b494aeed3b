using System.Collections.Concurrent;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;
using OrtInferenceOptions = EdgeTracker.Inference.InferenceOptions;

namespace EdgeTracker.Hosting;

/// <summary>
/// Trackers of the configured model through the engine's <see cref="TrackerFactory"/>. The first tracker is made
/// at start-up — so a missing or broken model stops the daemon before any camera opens — and handed out first.
/// </summary>
public sealed class ModelTrackerFactory : ITrackerFactory
{
    private readonly OrtInferenceOptions _inference;
    private readonly TrackerFactoryOptions _factoryOptions;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<ISingleObjectTracker> _ready = new();

    private ModelTrackerFactory(string model, OrtInferenceOptions inference, TrackerFactoryOptions factoryOptions, ILogger logger)
    {
        Model = model;
        _inference = inference;
        _factoryOptions = factoryOptions;
        _logger = logger;
    }

    public string Model { get; }

    public string Provider { get; private set; } = "unknown";

    /// <summary>Loads the model once (the proof that it works) and learns which execution provider runs it.</summary>
    /// <exception cref="ModelException">The manifest, files or checksums are wrong (the message names the file).</exception>
    /// <exception cref="OrtException">ONNX Runtime refused the model or a strict provider.</exception>
    public static ModelTrackerFactory Load(EdgeTrackerOptions options, ILogger logger)
    {
        var o = options.Inference;
        if (o.OnnxRuntimePath.Length > 0)
        {
            OrtLibrary.ConfiguredPath = o.OnnxRuntimePath;
        }
        var inference = new OrtInferenceOptions
        {
            IntraOpThreads = o.IntraOpThreads,
            Providers = o.Providers.Select(p => p.ToLowerInvariant()).ToList(),
            StrictProviders = o.StrictProviders,
            CudaDeviceId = o.CudaDeviceId,
            TensorRt = o.EngineCachePath.Length > 0
                ? new TensorRtOptions { Fp16 = o.TensorRtFp16, CacheFolder = o.EngineCachePath }
                : new TensorRtOptions { Fp16 = o.TensorRtFp16 },
        };
        var folders = options.Tracking.ModelsPath.Length > 0 ? [options.Tracking.ModelsPath] : Array.Empty<string>();
        var factory = new ModelTrackerFactory(options.Tracking.Model, inference,
            new TrackerFactoryOptions { ManifestFolders = folders, ModelFolders = folders }, logger);
        var first = factory.CreateNew();
        factory.Provider = first.ExecutionProvider;
        factory._ready.Enqueue(first);
        return factory;
    }

    public ISingleObjectTracker Create() => _ready.TryDequeue(out var ready) ? ready : CreateNew();

    private ISingleObjectTracker CreateNew() => TrackerFactory.Create(Model, _inference, _factoryOptions, _logger);
}
