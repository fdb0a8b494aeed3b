using System.Diagnostics;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>Dispose stops the capture thread promptly from any state and wakes a waiting consumer.</summary>
public sealed class DisposeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Dispose_during_a_long_backoff_returns_at_once()
    {
        var camera = new CameraCapture($"http://127.0.0.1:{MjpegServer.FreePort()}/", new CameraOptions
        {
            Backoff = new BackoffPolicy { InitialDelay = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(5) },
        });
        var log = new CameraEventLog(camera);
        camera.Start();
        await log.WaitFor<CameraRetrying>(Wait);
        var clock = Stopwatch.StartNew();
        camera.Dispose();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"dispose took {clock.Elapsed}");
        Assert.Equal(CameraState.Stopped, camera.State);
        Assert.True(camera.IsCompleted);
    }

    [Fact]
    public void Dispose_while_a_replay_waits_for_its_consumer_returns_and_releases_queued_frames()
    {
        var camera = new CameraCapture("test://ball?width=64&height=48&fps=0");
        camera.Start();
        // Nobody reads: the capture thread fills the queue and then waits for room.
        SpinWait.SpinUntil(() => camera.FramesCaptured >= 4, Wait);
        var clock = Stopwatch.StartNew();
        camera.Dispose();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"dispose took {clock.Elapsed}");
        Assert.Equal(0, camera.Pool.Outstanding);
    }

    [Fact]
    public async Task Dispose_wakes_a_consumer_blocked_in_TryRead()
    {
        var camera = new CameraCapture($"http://127.0.0.1:{MjpegServer.FreePort()}/");
        camera.Start();
        var reader = Task.Run(() => camera.TryRead(TimeSpan.FromMinutes(5), out _), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken); // let the reader block (not a synchronisation: either order passes)
        camera.Dispose();
        Assert.False(await reader.WaitAsync(Wait, TestContext.Current.CancellationToken));
    }
}
