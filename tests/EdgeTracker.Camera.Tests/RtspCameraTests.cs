using System.Diagnostics;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>The real rtspsrc → decodebin pipeline of <c>rtsp://</c> against a loopback RTSP camera (TCP interleaved).</summary>
public sealed class RtspCameraTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Rtsp_camera_streams_is_lost_when_the_server_goes_and_recovers_when_it_returns()
    {
        using var server = new RtspServer(MjpegServer.FreePort());
        server.Start();
        var options = new CameraOptions
        {
            Backoff = new BackoffPolicy { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
            MinStallTimeout = TimeSpan.FromSeconds(1),
        };
        using var camera = new CameraCapture(server.Url + "#latency=50&transport=tcp", options);
        var log = new CameraEventLog(camera);
        camera.Start();

        var opened = await log.WaitFor<CameraOpened>(Wait);
        Assert.Equal((320, 240, "BGR"), (opened.Width, opened.Height, opened.Format));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(camera.TryRead(Wait, out var frame), $"frame {i + 1}");
            frame.Dispose();
        }

        var stoppedAt = Stopwatch.GetTimestamp();
        server.Stop();
        var lost = await log.WaitFor<CameraLost>(Wait);
        await log.WaitFor<CameraRetrying>(Wait, skip: 1);
        server.Start();
        var downFor = Stopwatch.GetElapsedTime(stoppedAt);
        var recovered = await log.WaitFor<CameraRecovered>(Wait);
        Assert.True(recovered.Outage >= downFor - TimeSpan.FromSeconds(1.5), $"outage {recovered.Outage}, server down {downFor}; lost: {lost.Reason}");
        Assert.True(camera.TryRead(Wait, out var after));
        after.Dispose();
    }
}
