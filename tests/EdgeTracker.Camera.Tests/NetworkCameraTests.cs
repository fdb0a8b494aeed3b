using System.Diagnostics;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>
/// A real souphttpsrc → multipartdemux → jpegdec pipeline reading ffmpeg's MJPEG stream on loopback; the server
/// is killed or frozen mid-stream and started again while the same CameraCapture keeps running.
/// </summary>
public sealed class NetworkCameraTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CameraOptions FastRecovery => new()
    {
        Backoff = new BackoffPolicy { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
        MinStallTimeout = TimeSpan.FromSeconds(1),
        OpenTimeout = TimeSpan.FromSeconds(10),
        JitterSeed = 7,
    };

    [Fact]
    public async Task Killed_server_is_reported_lost_then_recovered_with_the_outage_length()
    {
        using var server = new MjpegServer(MjpegServer.FreePort());
        server.Start();
        using var camera = new CameraCapture(SourceDescription.Parse(server.Url), FastRecovery);
        var log = new CameraEventLog(camera);
        camera.Start();

        var opened = await log.WaitFor<CameraOpened>(Wait);
        Assert.Equal((320, 240, "BGR"), (opened.Width, opened.Height, opened.Format));
        var before = ReadFrames(camera, 5);

        var killedAt = Stopwatch.GetTimestamp();
        server.Kill();
        var lost = await log.WaitFor<CameraLost>(Wait);
        Assert.False(string.IsNullOrWhiteSpace(lost.Reason));
        // Let two reopen attempts fail against the closed port: the outage spans real failed retries.
        var second = await log.WaitFor<CameraRetrying>(Wait, skip: 1);
        Assert.Equal(2, second.Attempt);
        Assert.True(second.Delay <= TimeSpan.FromSeconds(1), $"backoff {second.Delay} above the 1 s cap");
        server.Start();
        var restartedAfter = Stopwatch.GetElapsedTime(killedAt);

        var recovered = await log.WaitFor<CameraRecovered>(Wait);
        Assert.True(recovered.Outage >= restartedAfter - TimeSpan.FromMilliseconds(50),
            $"outage {recovered.Outage} shorter than the {restartedAfter} the server was down");
        Assert.True(recovered.Outage < restartedAfter + Wait, $"outage {recovered.Outage}");
        Assert.True(recovered.Attempts >= 2);
        Assert.Equal(2, log.Events.OfType<CameraOpened>().Count());
        Assert.Equal(1, camera.Reconnects);

        var after = ReadFrames(camera, 5);
        Assert.True(after[0] > before[^1], "sequence numbers continue across the reconnect");
        Assert.Equal(CameraState.Streaming, camera.State);
    }

    [Fact]
    public async Task Frozen_server_is_detected_as_a_stall_and_recovered()
    {
        using var server = new MjpegServer(MjpegServer.FreePort());
        server.Start();
        using var camera = new CameraCapture(SourceDescription.Parse(server.Url), FastRecovery);
        var log = new CameraEventLog(camera);
        camera.Start();
        await log.WaitFor<CameraOpened>(Wait);
        ReadFrames(camera, 3);

        server.Freeze();
        var lost = await log.WaitFor<CameraLost>(Wait);
        Assert.True(lost.Stalled, $"expected a stall, got: {lost.Reason}");
        Assert.Contains("stalled", lost.Reason);

        server.Kill(); // a stopped process still dies on SIGKILL
        server.Start();
        var recovered = await log.WaitFor<CameraRecovered>(Wait);
        // Counted from the last frame, so it includes the stall-detection time (≥ the 1 s minimum).
        Assert.True(recovered.Outage >= TimeSpan.FromSeconds(1), $"outage {recovered.Outage}");
        ReadFrames(camera, 3);
    }

    [Fact]
    public async Task Server_down_at_start_is_retried_until_it_comes_up()
    {
        using var server = new MjpegServer(MjpegServer.FreePort());
        using var camera = new CameraCapture(SourceDescription.Parse(server.Url), FastRecovery);
        var log = new CameraEventLog(camera);
        camera.Start();
        var retrying = await log.WaitFor<CameraRetrying>(Wait);
        Assert.Equal(1, retrying.Attempt);
        Assert.False(string.IsNullOrWhiteSpace(retrying.LastError));
        server.Start();
        await log.WaitFor<CameraOpened>(Wait);
        ReadFrames(camera, 3);
        Assert.DoesNotContain(log.Events, e => e is CameraRecovered or CameraLost);
    }

    private static long[] ReadFrames(CameraCapture camera, int count)
    {
        var sequences = new long[count];
        for (var i = 0; i < count; i++)
        {
            Assert.True(camera.TryRead(Wait, out var frame), $"frame {i + 1} of {count} did not come");
            using (frame)
            {
                Assert.Equal((320, 240), (frame.Width, frame.Height));
                sequences[i] = frame.Sequence;
            }
        }
        return sequences;
    }
}
