using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>One daemon (test://ball at 30 fps, pictures at the default 10 a second, a token) for the stream tests.</summary>
public sealed class StreamDaemon : IAsyncLifetime
{
    public const string Token = "stream-test-token-0123456789";

    internal DaemonProcess Daemon { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string StreamUrl => Daemon.BaseUrl + "/api/cameras/cam0/stream.mjpg";

    public async ValueTask InitializeAsync()
    {
        Daemon = new DaemonProcess("--Device:Id=stream", "--Mqtt:Enabled=false", "--Cameras:0:Name=cam0", "--Cameras:0:Source=test://ball",
            "--Tracking:Model=nanotrack-v3", "--Inference:Providers=cpu", $"--Http:Token={Token}", "--Http:StreamStallSeconds=3");
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        await Daemon.WaitHealthAsync((status, _) => status == 200, TimeSpan.FromSeconds(90));
    }

    /// <summary>One sample of /metrics, by metric name (the single camera's series).</summary>
    public async Task<Dictionary<string, double>> MetricsAsync()
    {
        var text = await Http.GetStringAsync(Daemon.BaseUrl + "/metrics");
        var values = new Dictionary<string, double>();
        foreach (Match m in Regex.Matches(text, @"^(edgetracker_(?:web_stream_\w+|fps|frames_total|preview_pictures_total))\{camera=""cam0""\} (\S+)$", RegexOptions.Multiline))
        {
            values[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return values;
    }

    public async Task<double> MetricAsync(string name) => (await MetricsAsync()).TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"/metrics has no {name}");

    /// <summary>Polls a metric until <paramref name="match"/> holds (the daemon's counters are the evidence, not sleeps).</summary>
    public async Task<double> WaitMetricAsync(string name, Func<double, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        double last;
        while (!match(last = await MetricAsync(name)))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"{name} stayed at {last} for {timeout}");
            await Task.Delay(100);
        }
        return last;
    }

    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Daemon.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        Daemon.Dispose();
        Http.Dispose();
        await Task.CompletedTask;
    }
}

/// <summary>
/// <c>GET /api/cameras/{camera}/stream.mjpg</c> from the real daemon: its bytes as a multipart stream, ffmpeg and
/// ffprobe playing it, clients that stop reading or go away, the token and <c>?fps=</c>.
/// </summary>
public sealed class StreamTests(StreamDaemon fixture, ITestOutputHelper output) : IClassFixture<StreamDaemon>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Parts_are_whole_JPEGs_with_their_frame_number_capture_time_and_targets_in_rising_order()
    {
        using var response = await fixture.Http.GetAsync(fixture.StreamUrl, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var type = response.Content.Headers.ContentType!;
        Assert.Equal("multipart/x-mixed-replace", type.MediaType);
        var boundary = type.Parameters.Single(p => p.Name == "boundary").Value!.Trim('"');
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString());

        using var timeout = new CancellationTokenSource(Long);
        var reader = new PartReader(await response.Content.ReadAsStreamAsync(timeout.Token), boundary);
        var parts = new List<Part>();
        for (var i = 0; i < 12; i++)
        {
            parts.Add(await reader.NextAsync(timeout.Token));
        }
        foreach (var part in parts)
        {
            Assert.Equal("image/jpeg", part.Headers["Content-Type"]);
            Assert.Equal(part.Body.Length, int.Parse(part.Headers["Content-Length"], CultureInfo.InvariantCulture));
            Assert.True(part.Body is [0xFF, 0xD8, ..] && part.Body[^2] == 0xFF && part.Body[^1] == 0xD9, "a part is not one whole JPEG (SOI … EOI)");
            Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(part.Headers["X-Targets"]).RootElement.ValueKind);
            Assert.EndsWith("Z", part.Headers["X-Capture-Time"], StringComparison.Ordinal);
        }
        var frames = parts.Select(p => long.Parse(p.Headers["X-Frame"], CultureInfo.InvariantCulture)).ToList();
        var captured = parts.Select(p => DateTimeOffset.Parse(p.Headers["X-Capture-Time"], CultureInfo.InvariantCulture)).ToList();
        for (var i = 1; i < parts.Count; i++)
        {
            Assert.True(frames[i] > frames[i - 1], $"frame numbers do not rise: {string.Join(", ", frames)}");
            Assert.True(captured[i] > captured[i - 1], $"capture times do not rise: {string.Join(", ", captured)}");
        }
        // Captured moments ago, by this machine's clock (the daemon stamps frames with the capture time).
        Assert.InRange(DateTimeOffset.UtcNow - captured[^1], TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(30));
        output.WriteLine($"frames {string.Join(", ", frames)}; {parts.Average(p => p.Body.Length):F0} JPEG bytes and {parts.Average(p => p.HeaderBytes):F0} header bytes a part");
    }

    [Theory]
    [InlineData("mjpeg")]
    [InlineData(null)] // ffmpeg picks its demuxer from the Content-Type (mpjpeg)
    public async Task Ffmpeg_reads_frames_from_it(string? format)
    {
        var folder = Directory.CreateTempSubdirectory("et-stream-ffmpeg-");
        try
        {
            var arguments = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "info", "-rw_timeout", "30000000" };
            if (format is not null) arguments.AddRange(["-f", format]);
            arguments.AddRange(["-i", $"{fixture.StreamUrl}?token={StreamDaemon.Token}", "-frames:v", "5", "-y", Path.Combine(folder.FullName, "frame%02d.jpg")]);
            var (code, log) = await RunAsync("ffmpeg", arguments);
            Assert.True(code == 0, $"ffmpeg exited with {code}:\n{log}");
            var files = folder.GetFiles("frame*.jpg");
            Assert.Equal(5, files.Length);
            Assert.Contains("640x480", log);
            output.WriteLine(log.Split('\n').FirstOrDefault(l => l.Contains("Input #0", StringComparison.Ordinal)) ?? log);

            (code, log) = await RunAsync("ffprobe", ["-v", "error", "-count_frames", "-read_intervals", "%+#5", "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                "-of", "json", $"{fixture.StreamUrl}?token={StreamDaemon.Token}"]);
            Assert.True(code == 0, $"ffprobe exited with {code}:\n{log}");
            var stream = JsonDocument.Parse(log).RootElement.GetProperty("streams")[0];
            Assert.Equal("mjpeg", stream.GetProperty("codec_name").GetString());
            Assert.Equal(640, stream.GetProperty("width").GetInt32());
            Assert.Equal(480, stream.GetProperty("height").GetInt32());
            Assert.Equal("5", stream.GetProperty("nb_read_frames").GetString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_while_tracking_and_another_client_keep_going()
    {
        var token = TestContext.Current.CancellationToken;
        var stalledBefore = await fixture.MetricAsync("edgetracker_web_stream_stalled_clients_total");
        var bytesBefore = await fixture.MetricAsync("edgetracker_web_stream_bytes_total");
        var goodBytes = 0L;
        // Printed, not judged: a young daemon's RSS grows with warm-up (JIT, pools) whatever the clients do; the
        // bytes written to the stalled client are the measure of what it holds.
        var rssBefore = fixture.ResidentBytes();

        // A reader that keeps up, counting its parts.
        using var response = await fixture.Http.GetAsync(fixture.StreamUrl, HttpCompletionOption.ResponseHeadersRead, token);
        using var stopReading = new CancellationTokenSource();
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!;
        var reader = new PartReader(await response.Content.ReadAsStreamAsync(token), boundary);
        var goodFrames = new List<(TimeSpan At, long Frame)>();
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            while (!stopReading.IsCancellationRequested)
            {
                var part = await reader.NextAsync(stopReading.Token);
                lock (goodFrames) goodFrames.Add((clock.Elapsed, long.Parse(part.Headers["X-Frame"], CultureInfo.InvariantCulture)));
                Interlocked.Add(ref goodBytes, part.HeaderBytes + part.Body.Length + 2);
            }
        }, CancellationToken.None);

        // A client that asks for the stream and never reads: a tiny receive window, so the daemon's side fills fast.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, fixture.Daemon.HttpPort, token);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /api/cameras/cam0/stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {StreamDaemon.Token}\r\n\r\n"), token);
        var framesAtStall = await fixture.MetricAsync("edgetracker_frames_total");
        var stallStart = clock.Elapsed;

        // The daemon gives up on it after Http:StreamStallSeconds (3 s) without progress …
        await fixture.WaitMetricAsync("edgetracker_web_stream_stalled_clients_total", v => v > stalledBefore, Long);
        var stallEnd = clock.Elapsed;
        var framesAfterStall = await fixture.MetricAsync("edgetracker_frames_total");
        // … having written to it only what its buffers hold (the daemon's counter, less what the other client read,
        // give or take the part in flight): the socket's small send buffer and Kestrel's response pipe.
        var stalledBytes = await fixture.MetricAsync("edgetracker_web_stream_bytes_total") - bytesBefore - Interlocked.Read(ref goodBytes);
        Assert.InRange(stalledBytes, 0, 1024 * 1024);
        var received = 0L;
        var buffer = new byte[64 * 1024];
        try
        {
            using var drain = new CancellationTokenSource(Long);
            int n;
            while ((n = await stalled.ReceiveAsync(buffer, SocketFlags.None, drain.Token)) > 0) received += n;
        }
        catch (SocketException)
        {
            // Reset by the daemon: what was still in flight is lost, which is fine for a client that stopped reading.
        }

        // Meanwhile tracking kept its pace and the other client kept receiving new pictures.
        var stallSeconds = (stallEnd - stallStart).TotalSeconds;
        var fpsDuringStall = (framesAfterStall - framesAtStall) / stallSeconds;
        (TimeSpan At, long Frame)[] during;
        lock (goodFrames) during = goodFrames.Where(f => f.At >= stallStart && f.At <= stallEnd).ToArray();
        await stopReading.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        output.WriteLine($"stalled client dropped after {stallSeconds:F1} s; about {stalledBytes / 1024:F0} KiB were written to it before it stalled, {received} bytes reached it before the reset; tracking {fpsDuringStall:F1} fps meanwhile; " +
            $"the other client got {during.Length} pictures meanwhile; RSS {rssBefore / 1e6:F0} → {fixture.ResidentBytes() / 1e6:F0} MB");
        Assert.True(fpsDuringStall > 15, $"tracking slowed to {fpsDuringStall:F1} fps while a client stalled (test://ball runs at 30)");
        Assert.True(during.Length >= 2 * stallSeconds, $"the reading client got only {during.Length} pictures in {stallSeconds:F1} s while another stalled");
        Assert.True(during.Zip(during.Skip(1)).All(p => p.Second.Frame > p.First.Frame), "the reading client's frame numbers do not rise");
    }

    [Fact]
    public async Task Closing_clients_ends_their_streams_promptly()
    {
        var token = TestContext.Current.CancellationToken;
        await fixture.WaitMetricAsync("edgetracker_web_stream_clients", v => v == 0, Long);
        // No draining of the unread response on dispose (SocketsHttpHandler would read on for up to 2 s to reuse the
        // connection): the connection closes at once, so the time measured is the daemon's.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", StreamDaemon.Token);
        var responses = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var response = await http.GetAsync(fixture.StreamUrl, HttpCompletionOption.ResponseHeadersRead, token);
                responses.Add(response);
                var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!;
                var reader = new PartReader(await response.Content.ReadAsStreamAsync(token), boundary);
                await reader.NextAsync(token);
                await reader.NextAsync(token);
            }
            Assert.Equal(3, await fixture.MetricAsync("edgetracker_web_stream_clients"));
        }
        finally
        {
            foreach (var r in responses) r.Dispose();
        }
        var clock = Stopwatch.StartNew();
        await fixture.WaitMetricAsync("edgetracker_web_stream_clients", v => v == 0, TimeSpan.FromSeconds(5));
        output.WriteLine($"3 clients gone, their loops ended {clock.ElapsedMilliseconds} ms after the connections closed");
    }

    [Fact]
    public async Task The_token_is_required_the_fps_cap_holds_and_bad_requests_are_named()
    {
        var token = TestContext.Current.CancellationToken;
        using var anonymous = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (var refused = await anonymous.GetAsync(fixture.StreamUrl, HttpCompletionOption.ResponseHeadersRead, token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using (var badFps = await fixture.Http.GetAsync(fixture.StreamUrl + "?fps=fast", token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badFps.StatusCode);
            Assert.Contains("fps 'fast' must be a number in (0, 60]", await badFps.Content.ReadAsStringAsync(token));
        }
        using (var noCamera = await fixture.Http.GetAsync(fixture.Daemon.BaseUrl + "/api/cameras/nope/stream.mjpg", token))
        {
            Assert.Equal(HttpStatusCode.NotFound, noCamera.StatusCode);
            Assert.Contains("no camera 'nope'", await noCamera.Content.ReadAsStringAsync(token));
        }

        // ?token= (what an <img> tag can send) and ?fps=2: pictures come at most twice a second.
        var skippedBefore = await fixture.MetricAsync("edgetracker_web_stream_skipped_pictures_total");
        using var response = await anonymous.GetAsync($"{fixture.StreamUrl}?fps=2&token={StreamDaemon.Token}", HttpCompletionOption.ResponseHeadersRead, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new PartReader(await response.Content.ReadAsStreamAsync(token), response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!);
        await reader.NextAsync(token);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            await reader.NextAsync(token);
        }
        // 8 more parts at ≤ 2 a second take at least 4 s (less a little for timer slack).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3.8), $"8 parts came in {clock.Elapsed.TotalSeconds:F1} s despite ?fps=2");
        // The pictures made in between (10 a second) were skipped for this client, not queued.
        Assert.True(await fixture.MetricAsync("edgetracker_web_stream_skipped_pictures_total") >= skippedBefore + 8);
    }

    private static async Task<(int Code, string Log)> RunAsync(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Long);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish within {Long}:\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>One multipart part: its headers and body.</summary>
internal sealed record Part(Dictionary<string, string> Headers, byte[] Body, int HeaderBytes);

/// <summary>
/// Reads multipart/x-mixed-replace parts from raw bytes, strictly: each part is the boundary line, header lines,
/// a blank line, exactly Content-Length bytes, then CRLF.
/// </summary>
internal sealed class PartReader(Stream stream, string boundary)
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    public async Task<Part> NextAsync(CancellationToken cancellation)
    {
        var headerBytes = 0;
        var line = await ReadLineAsync(cancellation);
        headerBytes += line.Length + 2;
        Assert.Equal("--" + boundary, line);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while ((line = await ReadLineAsync(cancellation)).Length > 0)
        {
            headerBytes += line.Length + 2;
            var colon = line.IndexOf(':');
            Assert.True(colon > 0, $"'{line}' is not a header line");
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        headerBytes += 2;
        var length = int.Parse(headers["Content-Length"], CultureInfo.InvariantCulture);
        var body = await ReadExactAsync(length, cancellation);
        Assert.Equal("\r\n"u8.ToArray(), await ReadExactAsync(2, cancellation));
        return new Part(headers, body, headerBytes);
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return line;
            }
            Assert.True(_end - _start < 8192, "a header line longer than 8 KiB");
            await FillAsync(cancellation);
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellation)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end) await FillAsync(cancellation);
            var n = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    private async Task FillAsync(CancellationToken cancellation)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellation);
        if (n == 0) throw new EndOfStreamException("the stream ended");
        _end += n;
    }
}
