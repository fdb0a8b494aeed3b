using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeTracker.Evaluation;
using EdgeTracker.Testing;
using EdgeTracker.Tracking;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>
/// The real <c>edgetracker</c> executable against a real mosquitto, driven only from outside: MQTT through
/// mosquitto_pub/mosquitto_sub, HTTP through /healthz and /metrics.
/// </summary>
public sealed class EndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The mean IoU the daemon must reach (NanoTrack v3 offline, per docs/tracking.md: AUC ≈ 0.72 on otb_crossing,
    /// ≈ 0.79 on vot_ball1_staple): 0.6 leaves room for nothing but a broken path through the daemon.
    /// </summary>
    private const double MeanIoUThreshold = 0.6;

    /// <remarks>
    /// The second row also sets a decoy target (scenery in a corner) and forces <c>Tracking:Batching=on</c>, so both
    /// targets' search crops go through one backbone run a frame: the real target's IoU then shows the batched path
    /// end to end, and the decoy must get its track on every frame too.
    /// </remarks>
    [Theory]
    [InlineData("otb_crossing", false)]
    [InlineData("vot_ball1_staple", true)]
    public async Task A_target_set_over_MQTT_on_frame_1_is_tracked_on_every_frame_of_a_real_sequence(string name, bool batched)
    {
        var sequence = Sequence.Load(TestData.Sequence(name));
        var frames = sequence.FramePaths.Count;
        using var broker = new Broker();
        using var watcher = new Watcher(broker.Port, "edgetracker/e2e/#");
        using var daemon = new DaemonProcess("--Device:Id=e2e", $"--Mqtt:Port={broker.Port}", "--Cameras:0:Name=cam0",
            $"--Cameras:0:Source=images://{sequence.Folder}?fps=15", "--Tracking:Model=nanotrack-v3", "--Inference:Providers=cpu",
            // The box is drawn on frame 1; the history must still hold it when the command arrives on a slow machine.
            "--Tracking:HistorySeconds=60", "--Tracking:HistoryMaxFrames=200", $"--Tracking:Batching={(batched ? "on" : "auto")}");
        var clock = Stopwatch.StartNew();
        try
        {
            await daemon.WaitHealthAsync((_, h) => h.GetProperty("cameras")[0].GetProperty("lastFrame").GetInt64() >= 1, Long);
            watcher.WaitForText("/e2e/status", "online", Long);
            var truth = sequence.GroundTruth[0];
            broker.Publish("edgetracker/e2e/cam0/target/set", string.Create(CultureInfo.InvariantCulture,
                $$"""{"requestId":"e2e-1","box":{"x":{{truth.X}},"y":{{truth.Y}},"w":{{truth.W}},"h":{{truth.H}}},"units":"px","frame":1}"""));
            var reply = watcher.WaitFor("/e2e/reply", r => r.GetProperty("requestId").GetString() == "e2e-1", Long);
            Assert.True(reply.GetProperty("ok").GetBoolean(), reply.ToString());
            Assert.Equal(1, reply.GetProperty("frame").GetInt64());
            var id = reply.GetProperty("id").GetString();
            if (batched)
            {
                broker.Publish("edgetracker/e2e/cam0/target/set",
                    """{"requestId":"e2e-2","id":"decoy","box":{"x":8,"y":8,"w":40,"h":30},"units":"px","frame":1}""");
                var decoyReply = watcher.WaitFor("/e2e/reply", r => r.GetProperty("requestId").GetString() == "e2e-2", Long);
                Assert.True(decoyReply.GetProperty("ok").GetBoolean(), decoyReply.ToString());
            }

            // images:// without loop ends: the camera says so, and the daemon stays up.
            watcher.WaitFor("/cam0/events", e => e.GetProperty("type").GetString() == "camera_ended", TimeSpan.FromSeconds(180));
            var boxes = new Dictionary<long, BoxF>();
            var decoyFrames = new HashSet<long>();
            var clockEnd = Stopwatch.StartNew();
            while ((!boxes.ContainsKey(frames) || (batched && !decoyFrames.Contains(frames))) && clockEnd.Elapsed < TimeSpan.FromSeconds(30))
            {
                foreach (var track in watcher.Json("/cam0/tracks"))
                {
                    foreach (var target in track.GetProperty("targets").EnumerateArray())
                    {
                        var targetId = target.GetProperty("id").GetString();
                        if (targetId == "decoy") decoyFrames.Add(track.GetProperty("frame").GetInt64());
                        if (targetId != id) continue;
                        var b = target.GetProperty("box");
                        boxes.TryAdd(track.GetProperty("frame").GetInt64(),
                            new BoxF(b.GetProperty("x").GetSingle(), b.GetProperty("y").GetSingle(), b.GetProperty("w").GetSingle(), b.GetProperty("h").GetSingle()));
                    }
                }
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            var missing = Enumerable.Range(1, frames).Where(f => !boxes.ContainsKey(f)).ToList();
            Assert.True(missing.Count == 0, $"no track for frames {string.Join(",", missing.Take(20))} ({missing.Count} of {frames})");
            var metrics = await daemon.MetricsAsync();
            Assert.Contains($"edgetracker_inference_batch_max{{camera=\"cam0\"}} {(batched ? 4 : 1)}\n", metrics);
            if (batched)
            {
                var decoyMissing = Enumerable.Range(1, frames).Where(f => !decoyFrames.Contains(f)).ToList();
                Assert.True(decoyMissing.Count == 0, $"no decoy track for frames {string.Join(",", decoyMissing.Take(20))}");
                Assert.Contains("targets batched: up to 4 per run", daemon.Log);
            }
            else
            {
                Assert.Contains("targets tracked in turn: on the CPU (1 intra-op thread(s)) a batch measured no reliable gain", daemon.Log);
            }

            var ious = new List<double>();
            for (var f = 1; f <= frames; f++)
            {
                var gt = sequence.GroundTruth[f - 1];
                if (gt.IsValid) ious.Add(boxes[f].IoU(gt));
            }
            var mean = ious.Average();
            output.WriteLine($"{name} through the daemon ({(batched ? "batched with a decoy" : "one target")}): {frames} frames tracked, mean IoU {mean:0.000} (threshold {MeanIoUThreshold}), {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(mean > MeanIoUThreshold, $"mean IoU {mean:0.000} ≤ {MeanIoUThreshold}");

            var health = await daemon.HealthAsync();
            Assert.Equal(503, health.Status);
            Assert.Equal("ended", health.Body.GetProperty("cameras")[0].GetProperty("source").GetString());
            Assert.False(daemon.HasExited);
            // SIGTERM as systemd sends it: a clean stop (exit 0, "offline" published) well inside TimeoutStopSec=30.
            var stopping = Stopwatch.StartNew();
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(30)));
            output.WriteLine($"stopped cleanly {stopping.Elapsed.TotalSeconds:0.00} s after SIGTERM");
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {stopping.Elapsed}");
            watcher.WaitForText("/e2e/status", "offline", TimeSpan.FromSeconds(10));
        }
        finally
        {
            output.WriteLine(daemon.Log);
        }
    }

    [Fact]
    public async Task Killing_the_camera_source_or_the_broker_mid_run_is_survived_reported_and_tracking_resumes()
    {
        using var broker = new Broker();
        using var camera = new NetworkCamera(TestData.Sequence("otb_crossing"));
        var watcher = new Watcher(broker.Port, "edgetracker/faults/#");
        using var daemon = new DaemonProcess("--Device:Id=faults", $"--Mqtt:Port={broker.Port}", "--Mqtt:ReconnectMaxSeconds=2", "--Cameras:0:Name=cam0",
            $"--Cameras:0:Source={camera.Url}", "--Tracking:Model=nanotrack-v3", "--Inference:Providers=cpu");
        try
        {
            await daemon.WaitHealthAsync((status, _) => status == 200, Long);
            watcher.WaitForText("/faults/status", "online", Long);
            broker.Publish("edgetracker/faults/cam0/target/set", """{"requestId":"f-1","id":"t1","box":{"x":120,"y":80,"w":80,"h":80}}""");
            Assert.True(watcher.WaitFor("/faults/reply", r => r.GetProperty("requestId").GetString() == "f-1", Long).GetProperty("ok").GetBoolean());
            WaitTrackAfter(watcher, 0, "t1");
            var before = LastTrackFrame(watcher);

            // The camera dies: reported on MQTT and /healthz; the daemon stays up.
            var mark = watcher.Mark;
            camera.Kill();
            var lost = watcher.WaitFor("/cam0/events", e => e.GetProperty("type").GetString() == "camera_lost", Long, mark);
            output.WriteLine($"camera_lost: {lost}");
            var down = await daemon.WaitHealthAsync((status, h) => status == 503 && h.GetProperty("cameras")[0].GetProperty("source").GetString() is "lost" or "retrying", Long);
            Assert.False(string.IsNullOrEmpty(down.GetProperty("cameras")[0].GetProperty("sourceReason").GetString()));
            await Task.Delay(2000, TestContext.Current.CancellationToken);
            camera.Start();
            var recovered = watcher.WaitFor("/cam0/events", e => e.GetProperty("type").GetString() == "camera_recovered", Long, mark);
            output.WriteLine($"camera_recovered: {recovered}");
            await daemon.WaitHealthAsync((status, _) => status == 200, Long);
            // Frame numbers keep counting across the outage: tracks after it are new tracks.
            WaitTrackAfter(watcher, before, "t1");

            // The broker dies: tracking goes on, /healthz says the broker is away; on its return the daemon
            // reconnects, says it is online again and publishes tracks again.
            broker.Kill();
            watcher.Dispose();
            var away = await daemon.WaitHealthAsync((_, h) => h.GetProperty("broker").GetProperty("state").GetString() != "connected", Long);
            var frameAway = away.GetProperty("cameras")[0].GetProperty("lastFrame").GetInt64();
            await daemon.WaitHealthAsync((status, h) => status == 200 && h.GetProperty("cameras")[0].GetProperty("lastFrame").GetInt64() > frameAway + 15, Long);
            broker.Start();
            watcher = new Watcher(broker.Port, "edgetracker/faults/#");
            watcher.WaitForText("/faults/status", "online", Long);
            await daemon.WaitHealthAsync((_, h) => h.GetProperty("broker").GetProperty("state").GetString() == "connected", Long);
            WaitTrackAfter(watcher, frameAway, "t1");
            var metrics = await daemon.MetricsAsync();
            Assert.Matches(@"edgetracker_mqtt_reconnects_total [1-9]", metrics);
            Assert.Matches(@"edgetracker_source_reconnects_total\{camera=""cam0""\} [1-9]", metrics);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            watcher.Dispose();
            output.WriteLine(daemon.Log);
        }
    }

    private static long LastTrackFrame(Watcher watcher) =>
        watcher.Json("/cam0/tracks").Select(t => t.GetProperty("frame").GetInt64()).DefaultIfEmpty(0).Max();

    private static void WaitTrackAfter(Watcher watcher, long frame, string id) =>
        watcher.WaitFor("/cam0/tracks", t => t.GetProperty("frame").GetInt64() > frame
            && t.GetProperty("targets").EnumerateArray().Any(x => x.GetProperty("id").GetString() == id), Long);
}
