using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeTracker.Web;

/// <summary>The previews by camera (filled when the pipelines start).</summary>
public sealed class PreviewRegistry
{
    private volatile IReadOnlyDictionary<string, PreviewEncoder> _byCamera = new Dictionary<string, PreviewEncoder>();

    public void Set(IReadOnlyDictionary<string, PreviewEncoder> byCamera) => _byCamera = byCamera;

    public PreviewEncoder? Find(string camera) => _byCamera.GetValueOrDefault(camera);

    public long Encoded(string camera) => Find(camera)?.Encoded ?? 0;

    public StreamStats? Stream(string camera) => Find(camera)?.Stream;
}

/// <summary>
/// Kestrel's endpoints: the dashboard, /healthz, /metrics, the page's picture and state, and commands (through
/// the same router as MQTT). With a token configured every endpoint but /healthz requires it.
/// </summary>
public static class WebEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Lazy<byte[]> Dashboard = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("EdgeTracker.Web.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded in the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void Map(WebApplication app, DaemonState state, CommandHandler router, PreviewRegistry previews, HttpOptions options)
    {
        if (options.Token.Length > 0)
        {
            var expected = Encoding.UTF8.GetBytes(options.Token);
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/healthz" || Authorised(context, expected))
                {
                    await next(context);
                    return;
                }
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsync("a token is required: Authorization: Bearer <Http:Token>, or ?token=<Http:Token>\n");
            });
        }

        app.MapGet("/", () => Results.Bytes(Dashboard.Value, "text/html; charset=utf-8"));

        app.MapGet("/healthz", () =>
        {
            var health = state.Health();
            var healthy = health.Count > 0 && health.All(h => h.Healthy);
            var body = new
            {
                status = healthy ? "ok" : "degraded",
                device = state.DeviceId,
                model = state.Model,
                provider = state.Provider,
                uptimeSeconds = Math.Round(state.UptimeSeconds, 1),
                broker = new { state = state.Broker.State, queueDepth = state.Broker.QueueDepth, dropped = state.Broker.Dropped, reconnects = state.Broker.Reconnects },
                cameras = health.Select(CameraJson),
            };
            return Results.Json(body, Json, statusCode: healthy ? 200 : 503);
        });

        app.MapGet("/metrics", () => Results.Text(PrometheusText.Write(state, previews.Encoded, previews.Stream), PrometheusText.ContentType));

        app.MapGet("/api/state", () => Results.Json(new
        {
            device = state.DeviceId,
            model = state.Model,
            provider = state.Provider,
            broker = new { state = state.Broker.State, queueDepth = state.Broker.QueueDepth, dropped = state.Broker.Dropped },
            panTilt = state.PanTilt is { } p ? new { mode = p.Mode, pan = p.PanDegrees, tilt = p.TiltDegrees, camera = (p as PanTiltFollower)?.Camera, target = (p as PanTiltFollower)?.FollowedTarget } : null,
            cameras = state.Health().Select(CameraJson),
        }, Json));

        app.MapGet("/api/cameras/{camera}/frame.jpg", async (string camera, long? after, HttpContext context) =>
        {
            if (previews.Find(camera) is not { } preview)
            {
                return Results.NotFound(new { error = $"no camera '{camera}'" });
            }
            var picture = await preview.NextAsync(after ?? -1, TimeSpan.FromSeconds(5), context.RequestAborted);
            if (picture is null)
            {
                return Results.NoContent();
            }
            context.Response.Headers["X-Frame"] = picture.Frame.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["X-Capture-Time"] = picture.CaptureTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["X-Targets"] = picture.TargetsJson;
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(picture.Jpeg, "image/jpeg");
        });

        // The live picture as multipart MJPEG (VLC, ffmpeg, an <img> tag; the dashboard reads its parts with fetch).
        app.MapGet("/api/cameras/{camera}/stream.mjpg", (string camera, HttpContext context) =>
        {
            if (previews.Find(camera) is not { } preview)
            {
                return Results.NotFound(new { error = $"no camera '{camera}'" });
            }
            if (!MjpegStream.TryParseFps(context.Request.Query["fps"].ToString(), out var fps, out var error))
            {
                return Results.BadRequest(new { error });
            }
            return new MjpegStream(preview, preview.Stream, fps, TimeSpan.FromSeconds(options.StreamStallSeconds));
        });

        app.MapPost("/api/cameras/{camera}/target/set", (string camera, HttpContext context) => Route(router, camera, CommandKind.TargetSet, context));
        app.MapPost("/api/cameras/{camera}/target/clear", (string camera, HttpContext context) => Route(router, camera, CommandKind.TargetClear, context));
        app.MapPost("/api/config/set", (HttpContext context) => Route(router, null, CommandKind.ConfigSet, context));
        app.MapPost("/api/pantilt/set", (HttpContext context) => Route(router, null, CommandKind.PanTiltSet, context));
    }

    private static async Task Route(CommandHandler router, string? camera, CommandKind command, HttpContext context)
    {
        using var body = new MemoryStream();
        // Commands are small; a bounded read keeps a hostile client from making us buffer megabytes.
        var buffer = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (body.Length + read > 64 * 1024)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.Response.WriteAsJsonAsync(new { ok = false, error = new { field = "", message = "the command is larger than 64 KiB" } });
                return;
            }
            body.Write(buffer, 0, read);
        }
        var reply = await router.HandleAsync(command, camera, body.ToArray());
        context.Response.StatusCode = reply.Ok ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(reply.Json, context.RequestAborted);
    }

    private static object CameraJson(PipelineHealth h) => new
    {
        camera = h.Camera,
        source = h.Source,
        healthy = h.Healthy,
        progressing = h.Progressing,
        sourceReason = h.SourceReason,
        frames = h.Frames,
        lastFrame = h.LastFrame,
        lastFrameAgeSeconds = h.LastFrameAgeSeconds is { } a ? Math.Round(a, 2) : (double?)null,
        fps = Math.Round(h.Fps, 2),
        droppedFrames = h.DroppedFrames,
        reconnects = h.Reconnects,
        targets = h.Targets,
    };

    private static bool Authorised(HttpContext context, byte[] expected)
    {
        string? given = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = header["Bearer ".Length..].Trim();
        }
        given ??= context.Request.Query["token"].ToString();
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
    }

    /// <summary>True when every listen URL is loopback (no token needed).</summary>
    public static bool LoopbackOnly(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(u => Uri.TryCreate(u, UriKind.Absolute, out var uri)
                && (uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))));
}
