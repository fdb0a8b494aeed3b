using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary><c>edgetracker run</c> as a process: refusing bad configuration and models, the token, the metrics.</summary>
public sealed class RunCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public void Every_configuration_problem_is_printed_with_its_key_and_the_exit_code_is_2_before_any_camera_opens()
    {
        using var daemon = new DaemonProcess("--Mqtt:Port=abc", "--Cameras:0:Source=ftp://nowhere", "--Tracking:MaxTargets=0", "--Mqtt:Hots=typo",
            "--Http:Urls=http://0.0.0.0:1");
        Assert.True(WaitExit(daemon), "the daemon did not exit");
        output.WriteLine(daemon.Log);
        Assert.Equal(2, daemon.ExitCode);
        foreach (var key in new[] { "Mqtt:Port: 'abc' is not a whole number", "Cameras:0:Source:", "Tracking:MaxTargets:", "Mqtt:Hots: unknown setting", "Http:Token:" })
        {
            Assert.Contains(key, daemon.Log);
        }
        Assert.DoesNotContain("opening", daemon.Log);
    }

    [Fact]
    public void A_model_that_cannot_load_stops_the_daemon_with_exit_code_3_before_any_camera_opens()
    {
        using var daemon = new DaemonProcess("--Tracking:Model=no-such-model", "--Mqtt:Enabled=false");
        Assert.True(WaitExit(daemon), "the daemon did not exit");
        output.WriteLine(daemon.Log);
        Assert.Equal(3, daemon.ExitCode);
        Assert.Contains("Tracking:Model 'no-such-model' cannot be loaded", daemon.Log);
        Assert.DoesNotContain("opening", daemon.Log);
    }

    [Fact]
    public async Task A_configured_token_is_required_and_metrics_are_Prometheus_text()
    {
        const string token = "a-long-enough-test-token";
        // Tests stay on loopback: the token is enforced whenever one is configured (validation makes it mandatory
        // beyond loopback, which the first test of this class checks).
        var port = Ports.Free();
        using var open = new DaemonProcess("--Mqtt:Enabled=false", "--Cameras:0:Source=test://ball", "--Tracking:Model=siamfc-default",
            "--Inference:Providers=cpu", "--PanTilt:Enabled=true", $"--Http:Token={token}", $"--Http:Urls=http://127.0.0.1:{port}",
            "--Cameras:1:Name=cam1", "--Cameras:1:Source=test://smpte?width=320&height=240&fps=15");
        Ports.WaitListening(port, Long, () => open.HasExited);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/metrics?token=wrong-{token}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/cameras/cam0/target/clear", new StringContent("""{"requestId":"x"}"""), ct)).StatusCode);
        // /healthz stays open for supervisors.
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync("/healthz", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/?token={token}", ct)).StatusCode);

        var clock = Stopwatch.StartNew();
        string metrics;
        do
        {
            using var again = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(again, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString());
            metrics = await response.Content.ReadAsStringAsync(ct);
            if (!metrics.Contains("edgetracker_frames_total{camera=\"cam0\"} 0\n", StringComparison.Ordinal)
                && !metrics.Contains("edgetracker_frames_total{camera=\"cam1\"} 0\n", StringComparison.Ordinal)
                && metrics.Contains("edgetracker_frames_total{camera=\"cam1\"}", StringComparison.Ordinal)
                && metrics.Contains("source_state=\"open\"} 1", StringComparison.Ordinal)
                && !metrics.Contains("source_state=\"starting\"", StringComparison.Ordinal)) break;
            await Task.Delay(300, ct);
        }
        while (clock.Elapsed < Long);
        output.WriteLine(metrics);
        foreach (var name in new[]
                 {
                     "edgetracker_fps{camera=\"cam0\"}", "edgetracker_stage_latency_seconds_bucket{camera=\"cam0\",stage=\"track\",le=\"0.01\"}",
                     "edgetracker_stage_latency_seconds_count{camera=\"cam0\",stage=\"handoff\"}", "edgetracker_dropped_frames_total{camera=\"cam0\"}",
                     "edgetracker_source_reconnects_total{camera=\"cam0\"}", "edgetracker_mqtt_queue_depth", "edgetracker_mqtt_dropped_total",
                     "edgetracker_inference_provider{provider=\"cpu\"} 1", "edgetracker_pantilt_angle_degrees", "edgetracker_camera_up{camera=\"cam0\",source_state=\"open\"} 1",
                     "edgetracker_camera_up{camera=\"cam1\",source_state=\"open\"} 1", "edgetracker_tracking_allocated_bytes_total{camera=\"cam1\"}",
                 })
        {
            Assert.Contains(name, metrics);
        }
        // Every sample line is "name{labels} number" or "name number".
        foreach (var line in metrics.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            Assert.Matches(@"^[a-z_]+(\{[^}]*\})? -?[0-9.eE+\-]+$|^[a-z_]+(\{[^}]*\})? (NaN|\+Inf)$", line);
        }
        // The head, through the same command handler over HTTP, and its angles in the state.
        using var nudge = new HttpRequestMessage(HttpMethod.Post, "/api/pantilt/set") { Content = new StringContent("""{"requestId":"p1","action":"nudge","pan":5}""") };
        nudge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(nudge, ct)).StatusCode);
        var state = await http.GetStringAsync($"/api/state?token={token}", ct);
        // The same parser as MQTT: a bad command is a 400 with the contract's reply naming the field.
        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/cameras/cam0/target/set") { Content = new StringContent("""{"requestId":"h1","box":{"x":1,"y":1,"w":-4,"h":5}}""") };
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var badResponse = await http.SendAsync(bad, ct);
        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
        var badReply = System.Text.Json.JsonDocument.Parse(await badResponse.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal("h1", badReply.GetProperty("requestId").GetString());
        Assert.False(badReply.GetProperty("ok").GetBoolean());
        Assert.Equal("box.w", badReply.GetProperty("error").GetProperty("field").GetString());
        Assert.Equal("must be > 0", badReply.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("\"pan\":5", state);
        Assert.Equal(0, open.Stop(TimeSpan.FromSeconds(30)));
    }

    private static bool WaitExit(DaemonProcess daemon) => daemon.WaitForExit(Long);
}
