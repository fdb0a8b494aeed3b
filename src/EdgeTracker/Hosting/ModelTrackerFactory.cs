using System.Collections.Concurrent;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;
using OrtInferenceOptions = EdgeTracker.Inference.InferenceOptions;

namespace EdgeTracker.Hosting;

/// <summary>
/// Tracker groups of the configured model through the engine's <see cref="TrackerFactory"/>. The first group is
/// made at start-up — so a missing or broken model stops the daemon before any camera opens, and the log says once
/// which provider runs it and whether targets are batched — and handed to the first camera.
/// </summary>
public sealed class ModelTrackerFactory : ITrackerFactory
{
    private readonly OrtInferenceOptions _inference;
    private readonly TrackerFactoryOptions _factoryOptions;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<ITrackerGroup> _ready = new();
    private readonly int _maxTargets;
    private readonly BatchMode _batching;

    private ModelTrackerFactory(string model, OrtInferenceOptions inference, TrackerFactoryOptions factoryOptions, int maxTargets, BatchMode batching, ILogger logger)
    {
        Model = model;
        _maxTargets = maxTargets;
        _batching = batching;
        _inference = inference;
        _factoryOptions = factoryOptions;
        _logger = logger;
    }

    public string Model { get; }

    public string Provider { get; private set; } = "unknown";

    /// <summary>How the first group runs its targets (every camera's group decides the same way).</summary>
    public BatchingInfo? Batching { get; private set; }

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
            new TrackerFactoryOptions { ManifestFolders = folders, ModelFolders = folders }, options.Tracking.MaxTargets,
            Enum.Parse<BatchMode>(options.Tracking.Batching, ignoreCase: true), logger);
        var first = factory.CreateNew(options.Tracking.MaxTargets);
        factory.Provider = first.ExecutionProvider;
        factory.Batching = first.Batching;
        factory._ready.Enqueue(first);
        return factory;
    }

    public ITrackerGroup CreateGroup(int maxTargets) =>
        maxTargets == _maxTargets && _ready.TryDequeue(out var ready) ? ready : CreateNew(maxTargets);

    private ITrackerGroup CreateNew(int maxTargets) => TrackerFactory.CreateGroup(Model, _inference, maxTargets, _batching, _factoryOptions, _logger);
}
