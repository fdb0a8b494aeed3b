using EdgeTracker.Control;
using EdgeTracker.Control.Heads;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting;

/// <summary>
/// Opens every enabled camera and starts its pipeline (and its preview encoder for the page, and the pan-tilt
/// head on the camera named by <c>PanTilt:Camera</c>, by default the first); stops them all inside the host's
/// shutdown timeout.
/// </summary>
public sealed class PipelinesService : IHostedService
{
    private readonly EdgeTrackerOptions _options;
    private readonly DaemonState _state;
    private readonly ITrackerFactory _trackers;
    private readonly PreviewRegistry _previews;
    private readonly ILoggerFactory _loggers;
    private readonly Func<CameraOptions, IFrameSource> _openSource;
    private readonly Func<IJpegEncoder>? _jpeg;
    private readonly List<CameraPipeline> _pipelines = [];
    private readonly List<PreviewEncoder> _encoders = [];
    private readonly Func<int> _jpegQuality;
    private PanTiltFollower? _follower;

    public PipelinesService(EdgeTrackerOptions options, DaemonState state, ITrackerFactory trackers, PreviewRegistry previews, ILoggerFactory loggers,
        Func<CameraOptions, IFrameSource> openSource, Func<IJpegEncoder>? jpeg, Func<int>? jpegQuality = null)
    {
        _jpegQuality = jpegQuality ?? (() => options.Http.JpegQuality);
        _options = options;
        _state = state;
        _trackers = trackers;
        _previews = previews;
        _loggers = loggers;
        _openSource = openSource;
        _jpeg = jpeg;
    }

    public PanTiltFollower? Follower => _follower;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = _loggers.CreateLogger("EdgeTracker.Pipeline");
        var cameras = _options.Cameras.Where(c => c.Enabled).ToList();
        // Validation guarantees a named camera is configured and enabled; the first camera otherwise.
        var followed = FollowedCamera(_options, cameras);
        if (_options.PanTilt.Enabled && followed is not null)
        {
            var head = PanTiltHead.Create(_options.PanTilt);
            _follower = new PanTiltFollower(new PanTiltController(_options.PanTilt, head, enable: true), followed.Name, _options.PanTiltFollow.Target);
            _state.PanTilt = _follower;
            logger.LogInformation("Pan-tilt: {Driver} head follows camera {Camera}", head.Driver, followed.Name);
        }
        var previews = new Dictionary<string, PreviewEncoder>();
        foreach (var camera in cameras)
        {
            var settings = new PipelineSettings(camera.Name, camera.Source, _options.Tracking.MaxTargets, _options.Tracking.HistorySeconds,
                _options.Tracking.HistoryMaxFrames, _options.Http.PreviewFps);
            var pipeline = new CameraPipeline(settings, _openSource(camera), _trackers, logger, camera == followed ? _follower : null);
            _pipelines.Add(pipeline);
            if (_jpeg is not null)
            {
                var encoder = new PreviewEncoder(pipeline, _jpeg(), () => _jpegQuality());
                _encoders.Add(encoder);
                previews[camera.Name] = encoder;
            }
        }
        _previews.Set(previews);
        // Registered before the sources start, so the first source events already find their pipeline published.
        _state.SetPipelines(_pipelines);
        foreach (var pipeline in _pipelines)
        {
            pipeline.Start();
            logger.LogInformation("Camera {Camera}: opening {Source}", pipeline.Name, pipeline.Settings.SourceUri);
        }
        return Task.CompletedTask;
    }

    /// <summary>The camera whose targets drive the head: <c>PanTilt:Camera</c> among the enabled ones, else the first enabled.</summary>
    public static CameraOptions? FollowedCamera(EdgeTrackerOptions options, IReadOnlyList<CameraOptions> enabled) =>
        options.PanTiltFollow.Camera.Length > 0
            ? enabled.FirstOrDefault(c => c.Name == options.PanTiltFollow.Camera)
            : enabled.Count > 0 ? enabled[0] : null;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // In parallel: each camera's teardown may wait on its own pipeline (GStreamer state changes).
        Parallel.ForEach(_pipelines, p => p.Stop(TimeSpan.FromSeconds(5)));
        foreach (var e in _encoders) e.Dispose();
        foreach (var p in _pipelines) p.Dispose();
        _follower?.Dispose();
        return Task.CompletedTask;
    }
}
