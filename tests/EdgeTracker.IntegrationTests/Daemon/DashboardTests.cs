using System.Text.Json;
using EdgeTracker.Testing;
using Microsoft.Playwright;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>The dashboard in a real headless Chromium (the system's /usr/bin/chromium; no browser is downloaded).</summary>
public sealed class DashboardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    /// <summary>The system's Chromium, headless.</summary>
    private static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ChromiumArgs,
        Timeout = 60_000,
    });

    [Fact]
    public async Task The_page_loads_pictures_move_a_drag_starts_a_track_seen_on_MQTT_and_a_click_clears_it()
    {
        using var broker = new Broker();
        using var watcher = new Watcher(broker.Port, "edgetracker/web/#");
        using var daemon = new DaemonProcess("--Device:Id=web", $"--Mqtt:Port={broker.Port}", "--Cameras:0:Name=cam0", "--Cameras:0:Source=test://ball",
            "--Tracking:Model=nanotrack-v3", "--Inference:Providers=cpu", "--PanTilt:Enabled=true");
        try
        {
            await daemon.WaitHealthAsync((status, _) => status == 200, Long);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromiumAsync(playwright);
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 720 } });
            page.SetDefaultTimeout(60_000);
            var browserLog = new System.Collections.Concurrent.ConcurrentQueue<string>();
            page.Console += (_, m) => browserLog.Enqueue($"console {m.Type}: {m.Text}");
            page.PageError += (_, e) => browserLog.Enqueue($"page error: {e}");
            page.RequestFailed += (_, r) => browserLog.Enqueue($"request failed: {r.Method} {r.Url} {r.Failure}");
            page.Response += (_, r) => { if (r.Request.Method == "POST") browserLog.Enqueue($"POST {r.Url} → {r.Status}"); };
            var setBodies = new System.Collections.Concurrent.ConcurrentQueue<string>();
            page.Request += (_, r) => { if (r.Method == "POST" && r.Url.EndsWith("/target/set", StringComparison.Ordinal)) setBodies.Enqueue(r.PostData ?? ""); };
            using var dumpBrowserLog = new Disposer(() => output.WriteLine("browser:\n" + string.Join("\n", browserLog)));
            await page.GotoAsync(daemon.BaseUrl + "/");

            // The page loads and its pictures move: the frame number of the picture shown keeps rising.
            await page.WaitForFunctionAsync("() => Number(document.getElementById('picture').dataset.frame) > 0");
            var first = long.Parse((await page.GetAttributeAsync("#picture", "data-frame"))!);
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('picture').dataset.frame) > {first + 5}");
            await page.Locator("#broker").GetByText("connected").WaitForAsync();
            await page.Locator("#cameraState").GetByText("open").WaitForAsync();
            Assert.Contains("nanotrack-v3", await page.Locator("#model").InnerTextAsync());
            // The pictures come from the MJPEG stream (not the long-poll fallback).
            Assert.Equal("stream", await page.GetAttributeAsync("#picture", "data-transport"));
            // The same stream plays in a plain <img> (no script): Chromium decodes the multipart parts itself.
            await page.EvaluateAsync("() => { const i = new Image(); i.id = 'plain'; i.src = 'api/cameras/cam0/stream.mjpg?fps=5'; document.body.append(i); }");
            await page.WaitForFunctionAsync("() => document.getElementById('plain').naturalWidth === 640");
            await page.EvaluateAsync("() => { const i = document.getElementById('plain'); i.src = ''; i.remove(); }");

            // A drag around the ball, on the picture as shown, starts a track on the frame that picture showed.
            var canvas = (await page.Locator("#picture").BoundingBoxAsync())!;
            var found = await page.EvaluateAsync<double[]>("""
                () => {
                  const c = document.getElementById('picture');
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let sx = 0, sy = 0, n = 0;
                  for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {
                    const i = (y * c.width + x) * 4;
                    if (d[i] > 200 && d[i + 1] > 200 && d[i + 2] > 200) { sx += x; sy += y; n++; }
                  }
                  return [n ? sx / n : c.width / 2, n ? sy / n : c.height / 2, c.width, c.height, Number(c.dataset.frame)];
                }
                """);
            var (ballX, ballY, width, height, shownBefore) = (found[0], found[1], found[2], found[3], (long)found[4]);
            // Clamped into the picture: a ball at the edge must not put the pointer outside the canvas.
            float ToScreenX(double x) => (float)(canvas.X + Math.Clamp(x, 2, width - 2) * canvas.Width / width);
            float ToScreenY(double y) => (float)(canvas.Y + Math.Clamp(y, 2, height - 2) * canvas.Height / height);
            await page.Mouse.MoveAsync(ToScreenX(ballX - 30), ToScreenY(ballY - 30));
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(ToScreenX(ballX), ToScreenY(ballY), new MouseMoveOptions { Steps = 4 });
            await page.Mouse.MoveAsync(ToScreenX(ballX + 30), ToScreenY(ballY + 30), new MouseMoveOptions { Steps = 4 });
            await page.Mouse.UpAsync();
            await page.WaitForFunctionAsync("() => (document.getElementById('reply').dataset.lastReply || '').length > 0");
            var pageReply = JsonDocument.Parse((await page.GetAttributeAsync("#reply", "data-last-reply"))!).RootElement;
            Assert.True(pageReply.GetProperty("ok").GetBoolean(), pageReply.ToString());
            var id = pageReply.GetProperty("id").GetString()!;
            var drawnOn = pageReply.GetProperty("frame").GetInt64();
            Assert.InRange(drawnOn, shownBefore, shownBefore + 30);
            // The frame the page sent is the frame of a picture it drew from the stream (its part's X-Frame).
            Assert.True(setBodies.TryDequeue(out var setBody), "the page sent no target/set");
            var sentFrame = JsonDocument.Parse(setBody).RootElement.GetProperty("frame").GetInt64();
            Assert.Equal(sentFrame, drawnOn);
            var displayed = await page.EvaluateAsync<long[]>("() => window.displayedFrames.slice()");
            Assert.Contains(sentFrame, displayed);
            Assert.Equal("stream", await page.GetAttributeAsync("#picture", "data-transport"));
            output.WriteLine($"drag: target {id} set on frame {drawnOn} (the picture shown was {shownBefore} just before the drag)");

            // The track appears on MQTT (read by mosquitto_sub), from the frame drawn on.
            var track = watcher.WaitFor("/web/cam0/tracks", t => t.GetProperty("frame").GetInt64() >= drawnOn
                && t.GetProperty("targets").EnumerateArray().Any(x => x.GetProperty("id").GetString() == id), Long);
            output.WriteLine($"MQTT track: {track}");
            // Started on the picture the box was drawn on, then caught up: the moving ball is followed.
            var followed = watcher.WaitFor("/web/cam0/tracks", t => t.GetProperty("frame").GetInt64() > drawnOn + 10
                && t.GetProperty("targets").EnumerateArray().Any(x => x.GetProperty("id").GetString() == id && x.GetProperty("state").GetString() == "tracking"), Long);
            output.WriteLine($"MQTT track later: {followed}");
            watcher.WaitFor("/web/cam0/events", e => e.GetProperty("type").GetString() == "target_acquired" && e.GetProperty("target").GetString() == id, Long);

            // Its box is drawn over the pictures; the side panel lists it.
            await page.WaitForFunctionAsync($"() => (document.getElementById('picture').dataset.targets || '').includes('\"{id}\"')");
            await page.Locator("#targets").GetByText(id).WaitForAsync();
            var screenshot = Path.Combine(TestData.RepoRoot, "artifacts", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
            output.WriteLine($"screenshot: {screenshot}");

            // "aim" on a target's row makes the head follow that target (pantilt/set follow), and again lets it go.
            await page.Locator("#pantilt").GetByText("(follows cam0, first tracking target)").WaitForAsync();
            await page.Locator($"#targets button[data-aim='{id}']").ClickAsync();
            await page.Locator("#pantilt").GetByText($"(follows cam0, target {id})").WaitForAsync();
            await page.Locator($"#targets button[data-aim='{id}']").GetByText("aimed").WaitForAsync();
            await page.Locator($"#targets button[data-aim='{id}']").ClickAsync();
            await page.Locator("#pantilt").GetByText("(follows cam0, first tracking target)").WaitForAsync();

            // A click on the target's box clears it. The ball moves fast, so the box is read and clicked at once, and
            // the click is repeated if the picture changed under the pointer in between.
            for (var attempt = 0; attempt < 10 && !(await page.Locator("#reply").InnerTextAsync()).Contains("target/clear", StringComparison.Ordinal); attempt++)
            {
                var spot = await page.EvaluateAsync<double[]>($$"""
                    () => {
                      const c = document.getElementById('picture'), r = c.getBoundingClientRect();
                      const t = JSON.parse(c.dataset.targets || '[]').find(t => t.id === '{{id}}');
                      return t ? [r.left + (t.x + t.w / 2) * r.width / c.width, r.top + (t.y + t.h / 2) * r.height / c.height] : [];
                    }
                    """);
                if (spot.Length == 2)
                {
                    await page.Mouse.ClickAsync((float)spot[0], (float)spot[1]);
                }
                await Task.Delay(300, TestContext.Current.CancellationToken);
            }
            watcher.WaitFor("/web/cam0/events", e => e.GetProperty("type").GetString() == "target_cleared" && e.GetProperty("target").GetString() == id, Long);
            await page.Locator("#targets").GetByText("none").WaitForAsync();

            // The pan-tilt buttons go through the same command handler: stopped (so it no longer follows or returns
            // on its own) and sent home, a nudge right moves the (virtual) head to 5°.
            await page.Locator("#pantilt").GetByText("(follows cam0, first tracking target)").WaitForAsync();
            await page.Locator("#pantiltButtons button[data-action=disable]").ClickAsync();
            await page.Locator("#pantilt").GetByText("disabled").WaitForAsync();
            await page.Locator("#pantiltButtons button[data-action=home]").ClickAsync();
            await page.Locator("#pantilt").GetByText("pan 0.0°").WaitForAsync();
            await page.Locator("#pantiltButtons button[aria-label=right]").ClickAsync();
            await page.Locator("#pantilt").GetByText("pan 5.0°").WaitForAsync();

            // A snapshot asked for over MQTT arrives as a JPEG on the snapshot topic.
            var snapshot = broker.ReceiveOneAsync("edgetracker/web/cam0/snapshot", TimeSpan.FromSeconds(60));
            await Task.Delay(500, TestContext.Current.CancellationToken); // let mosquitto_sub subscribe
            broker.Publish("edgetracker/web/cam0/snapshot/get", """{"requestId":"snap-1"}""");
            Assert.True(watcher.WaitFor("/web/reply", r => r.GetProperty("requestId").GetString() == "snap-1", Long).GetProperty("ok").GetBoolean());
            var jpeg = await snapshot;
            Assert.True(jpeg.Length > 1000 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, $"snapshot of {jpeg.Length} bytes is not a JPEG");
        }
        finally
        {
            output.WriteLine(daemon.Log);
        }
    }

    [Fact]
    public async Task Where_the_stream_cannot_be_read_the_page_long_polls_pictures_instead()
    {
        using var daemon = new DaemonProcess("--Device:Id=web2", "--Mqtt:Enabled=false", "--Cameras:0:Name=cam0", "--Cameras:0:Source=test://ball",
            "--Tracking:Model=nanotrack-v3", "--Inference:Providers=cpu");
        try
        {
            await daemon.WaitHealthAsync((status, _) => status == 200, Long);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromiumAsync(playwright);
            var page = await browser.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            // A proxy that refuses the stream, as some do with endless responses.
            await page.RouteAsync("**/stream.mjpg*", route => route.AbortAsync());
            await page.GotoAsync(daemon.BaseUrl + "/");
            await page.WaitForFunctionAsync("() => document.getElementById('picture').dataset.transport === 'poll' && Number(document.getElementById('picture').dataset.frame) > 0");
            var first = long.Parse((await page.GetAttributeAsync("#picture", "data-frame"))!);
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('picture').dataset.frame) > {first + 5}");
            Assert.Equal("poll", await page.GetAttributeAsync("#picture", "data-transport"));
        }
        finally
        {
            output.WriteLine(daemon.Log);
        }
    }

    private sealed class Disposer(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
