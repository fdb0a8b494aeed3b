using System.Text;
using System.Text.Json;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Tracking;
using EdgeTracker.Web;

namespace EdgeTracker.Tests.Hosting;

/// <summary>The MJPEG stream's part header and its <c>?fps=</c> parsing (the stream itself runs against the real daemon in the integration tests).</summary>
public sealed class MjpegPartTests
{
    [Fact]
    public void A_part_header_carries_length_frame_capture_time_and_targets_and_ends_with_a_blank_line()
    {
        var captured = new DateTimeOffset(2026, 11, 21, 13, 5, 7, 123, TimeSpan.FromHours(2));
        var header = Encoding.ASCII.GetString(MjpegStream.PartHeader(1234, captured, 5791, "[]"));
        Assert.Equal(
            "--edgetracker-mjpeg-part\r\nContent-Type: image/jpeg\r\nContent-Length: 5791\r\nX-Frame: 1234\r\n" +
            "X-Capture-Time: 2026-11-21T11:05:07.123Z\r\nX-Targets: []\r\n\r\n", header);
        Assert.Equal("multipart/x-mixed-replace; boundary=edgetracker-mjpeg-part", MjpegStream.ContentType);
    }

    [Fact]
    public void Targets_are_ascii_json_safe_in_a_header_whatever_their_ids()
    {
        // An id a client chose, with a line break and non-ASCII: escaped, so it cannot end the header or the part.
        var targets = new[] { new TargetSnapshot { Id = "evil\r\nX-Frame: 1\u00e9", Box = new BoxF(1, 2, 3, 4), Confidence = 0.5f, State = TargetState.Tracking } };
        var json = MjpegStream.TargetsJson(targets);
        Assert.All(json, c => Assert.InRange(c, ' ', '~'));
        var parsed = JsonDocument.Parse(json).RootElement[0];
        Assert.Equal("evil\r\nX-Frame: 1\u00e9", parsed.GetProperty("id").GetString());
        Assert.Equal("tracking", parsed.GetProperty("state").GetString());
        Assert.Equal(3, parsed.GetProperty("w").GetSingle());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("2", 2.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("60", 60.0)]
    public void Fps_is_absent_or_a_number_up_to_60(string? text, double? expected)
    {
        Assert.True(MjpegStream.TryParseFps(text, out var fps, out var error), error);
        Assert.Equal(expected, fps);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("61")]
    [InlineData("fast")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Other_fps_values_are_refused_with_the_value_named(string text)
    {
        Assert.False(MjpegStream.TryParseFps(text, out _, out var error));
        Assert.Equal($"fps '{text}' must be a number in (0, 60]", error);
    }
}
