using System.Net.Sockets;
using System.Text;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Hosting;

/// <summary>A fake systemd: a datagram socket that records what the daemon sends to NOTIFY_SOCKET.</summary>
internal sealed class FakeNotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string? _path;

    public FakeNotifySocket(bool @abstract)
    {
        if (@abstract)
        {
            var name = $"edgetracker-test-{Guid.NewGuid():N}";
            _socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
            Address = "@" + name;
        }
        else
        {
            _path = Path.Combine(Path.GetTempPath(), $"et-notify-{Guid.NewGuid():N}.sock");
            _socket.Bind(new UnixDomainSocketEndPoint(_path));
            Address = _path;
        }
    }

    public string Address { get; }

    /// <summary>The next datagram, or null after <paramref name="timeout"/>.</summary>
    public string? Receive(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            var n = _socket.Receive(buffer);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return null;
        }
    }

    /// <summary>Receives until a datagram matches, failing after <paramref name="timeout"/>.</summary>
    public string WaitFor(Func<string, bool> match, TimeSpan timeout, List<string>? seen = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var message = Receive(deadline - DateTime.UtcNow);
            if (message is null) break;
            seen?.Add(message);
            if (match(message)) return message;
        }
        throw new TimeoutException($"no matching notify message within {timeout}; seen: {string.Join(" | ", seen ?? [])}");
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_path is not null) File.Delete(_path);
    }
}

public sealed class SdNotifyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Messages_reach_a_path_or_abstract_notify_socket(bool @abstract)
    {
        using var systemd = new FakeNotifySocket(@abstract);
        using var notify = new SdNotify(systemd.Address);
        Assert.True(notify.IsEnabled);
        notify.Ready("1 camera\nready");
        Assert.Equal("READY=1\nSTATUS=1 camera ready", systemd.Receive(TimeSpan.FromSeconds(5)));
        notify.Watchdog();
        Assert.Equal("WATCHDOG=1", systemd.Receive(TimeSpan.FromSeconds(5)));
        notify.Stopping("bye");
        Assert.Equal("STOPPING=1\nSTATUS=bye", systemd.Receive(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Without_NOTIFY_SOCKET_nothing_is_sent_and_nothing_fails()
    {
        using var notify = new SdNotify(null);
        Assert.False(notify.IsEnabled);
        Assert.Equal(SocketError.Success, notify.Send("READY=1"));
        Assert.Throws<ArgumentException>(() => new SdNotify("vsock:2:1234"));
    }

    [Fact]
    public async Task Ready_after_the_first_frames_then_status_and_pings_which_stop_when_a_pipeline_wedges()
    {
        using var systemd = new FakeNotifySocket(@abstract: false);
        using var notify = new SdNotify(systemd.Address);
        var source = new SyntheticSource();
        var factory = new BrightSpotFactory();
        using var pipeline = new CameraPipeline(new PipelineSettings("cam0", "synthetic"), source, factory, NullLogger.Instance);
        var state = new DaemonState("dev1", "bright-spot", stallSeconds: 1.5) { Provider = "cpu" };
        state.SetPipelines([pipeline]);
        pipeline.Start();
        using var notifier = new SystemdNotifier(notify, state, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300),
            NullLogger<SystemdNotifier>.Instance);
        await notifier.StartAsync(CancellationToken.None);
        var seen = new List<string>();
        try
        {
            // No READY before the camera delivered a frame.
            Assert.DoesNotContain("READY=1", systemd.WaitFor(m => m == "WATCHDOG=1", TimeSpan.FromSeconds(10), seen));
            Assert.DoesNotContain(seen, m => m.StartsWith("READY=1", StringComparison.Ordinal));
            source.Emit(3);
            var ready = systemd.WaitFor(m => m.StartsWith("READY=1", StringComparison.Ordinal), TimeSpan.FromSeconds(10), seen);
            Assert.Contains("STATUS=1 camera: cam0 open", ready);
            Assert.Contains("model bright-spot on cpu; broker disabled", ready);
            systemd.WaitFor(m => m.StartsWith("STATUS=", StringComparison.Ordinal), TimeSpan.FromSeconds(10), seen);
            systemd.WaitFor(m => m == "WATCHDOG=1", TimeSpan.FromSeconds(10), seen);

            // Wedge the tracking thread inside a tracker, as a hung inference would.
            var set = await pipeline.SetTargetAsync(new SetTargetCommand("r", null, SyntheticScene.SquareAt(3), false, null, null), TimeSpan.FromSeconds(10));
            Assert.True(set.Ok, set.ErrorMessage);
            factory.Created[0].Gate.Reset();
            source.Emit(1);
            var wedged = systemd.WaitFor(m => m.StartsWith("STATUS=WEDGED", StringComparison.Ordinal), TimeSpan.FromSeconds(15), seen);
            Assert.Contains("cam0 (loop stalled", wedged);
            // From now on: silence where pings used to be, several watchdog intervals long.
            var after = new List<string>();
            while (systemd.Receive(TimeSpan.FromSeconds(2)) is { } m) after.Add(m);
            Assert.DoesNotContain("WATCHDOG=1", after);

            // Unwedged, the pings come back.
            factory.Created[0].Gate.Set();
            systemd.WaitFor(m => m == "WATCHDOG=1", TimeSpan.FromSeconds(10), seen);
        }
        finally
        {
            factory.Created.ForEach(t => t.Gate.Set());
            await notifier.StopAsync(CancellationToken.None);
        }
        Assert.StartsWith("STOPPING=1", systemd.WaitFor(m => m.StartsWith("STOPPING=1", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Without_a_frame_READY_still_comes_after_the_ready_timeout_and_names_the_silent_camera()
    {
        using var systemd = new FakeNotifySocket(@abstract: true);
        using var notify = new SdNotify(systemd.Address);
        using var pipeline = new CameraPipeline(new PipelineSettings("frontdoor", "synthetic"), new SyntheticSource(), new BrightSpotFactory(), NullLogger.Instance);
        var state = new DaemonState("dev1", "bright-spot", stallSeconds: 10);
        state.SetPipelines([pipeline]);
        pipeline.Start();
        using var notifier = new SystemdNotifier(notify, state, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), NullLogger<SystemdNotifier>.Instance);
        await notifier.StartAsync(CancellationToken.None);
        try
        {
            var ready = systemd.WaitFor(m => m.StartsWith("READY=1", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
            Assert.Contains("READY after 1 s without a frame from frontdoor", ready);
            Assert.True(notifier.IsReady);
        }
        finally
        {
            await notifier.StopAsync(CancellationToken.None);
        }
    }
}
