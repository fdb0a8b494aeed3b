using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Hosting.Systemd;
using EdgeTracker.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting;

/// <summary>Exit codes of <c>edgetracker run</c>, for scripts and systemd.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int InvalidConfiguration = 2;
    public const int ModelFailed = 3;
    public const int HostFailed = 4;
}

/// <summary>
/// Assembles the daemon on the Generic Host (Kestrel's web application when HTTP is on): the pipelines, the MQTT
/// bridge, the systemd notifier and the web endpoints, all around one <see cref="DaemonState"/> and one
/// <see cref="CommandHandler"/>.
/// </summary>
public static class DaemonHost
{
    public static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        // Kestrel's per-request lines are noise on a device; a configuration's Logging section can still raise them.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        // One line per message: journald adds its own timestamps, a terminal gets ours.
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is null ? "HH:mm:ss.fff " : null;
            o.UseUtcTimestamp = true;
        });
    }

    public static async Task<int> RunAsync(LoadedConfig config, CancellationToken cancellation)
    {
        var options = config.Options;
        using var bootLoggers = LoggerFactory.Create(b => ConfigureLogging(b, config.Configuration));
        var log = bootLoggers.CreateLogger("EdgeTracker");
        log.LogInformation("EdgeTracker {Version} starting as {Device} with {Config}", typeof(DaemonHost).Assembly.GetName().Version?.ToString(3),
            options.Device.Id, config.File ?? "defaults (no configuration file)");

        // The model first: a model that cannot load must stop the daemon before any camera opens.
        ModelTrackerFactory trackers;
        try
        {
            trackers = ModelTrackerFactory.Load(options, bootLoggers.CreateLogger("EdgeTracker.Tracking"));
        }
        catch (Exception e)
        {
            log.LogCritical("Tracking:Model '{Model}' cannot be loaded: {Message}", options.Tracking.Model, e.Message);
            return ExitCodes.ModelFailed;
        }

        IHost host;
        if (options.Http.Enabled)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls(options.Http.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            AddServices(builder.Services, builder.Logging, config, trackers);
            var app = builder.Build();
            WebEndpoints.Map(app, app.Services.GetRequiredService<DaemonState>(), app.Services.GetRequiredService<CommandHandler>(),
                app.Services.GetRequiredService<PreviewRegistry>(), options.Http);
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, DisableDefaults = true });
            AddServices(builder.Services, builder.Logging, config, trackers);
            host = builder.Build();
        }

        try
        {
            await host.RunAsync(cancellation).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Typically Kestrel's "address already in use": say which setting to change.
            log.LogCritical("The daemon could not start: {Message} (Http:Urls is '{Urls}')", e.Message, options.Http.Urls);
            return ExitCodes.HostFailed;
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }

    private static void AddServices(IServiceCollection services, ILoggingBuilder logging, LoadedConfig config, ModelTrackerFactory trackers)
    {
        var options = config.Options;
        ConfigureLogging(logging, config.Configuration);
        services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
            o.ServicesStartConcurrently = false;
            o.ServicesStopConcurrently = false;
        });
        services.AddSingleton(options);
        services.AddSingleton<ITrackerFactory>(trackers);
        services.AddSingleton(new DaemonState(options.Device.Id, trackers.Model, options.Systemd.StallSeconds) { Provider = trackers.Provider });
        services.AddSingleton(new LiveSettings(options.Mqtt.TracksMaxRate, snapshotQuality: options.Http.JpegQuality));
        services.AddSingleton<CommandHandler>();
        services.AddSingleton<PreviewRegistry>();
        services.AddSingleton(SdNotify.FromEnvironment());
        services.AddHostedService(sp => new PipelinesService(options, sp.GetRequiredService<DaemonState>(), trackers, sp.GetRequiredService<PreviewRegistry>(),
            sp.GetRequiredService<ILoggerFactory>(), camera => new CameraSource(camera.Source, new EdgeTracker.Camera.Sources.CameraOptions
            {
                Backoff = new EdgeTracker.Camera.Sources.BackoffPolicy { MaxDelay = TimeSpan.FromSeconds(camera.ReconnectMaxSeconds) },
            }), () => new TurboJpegPreviewEncoder(),
            () => sp.GetRequiredService<LiveSettings>().SnapshotQuality));
        if (options.Mqtt.Enabled)
        {
            services.AddHostedService<MqttBridge>();
        }
        services.AddHostedService(sp => new SystemdNotifier(sp.GetRequiredService<SdNotify>(), sp.GetRequiredService<DaemonState>(), SdNotify.WatchdogInterval(),
            TimeSpan.FromSeconds(options.Systemd.ReadyTimeoutSeconds), TimeSpan.FromSeconds(options.Systemd.StatusIntervalSeconds),
            sp.GetRequiredService<ILogger<SystemdNotifier>>()));
    }
}
