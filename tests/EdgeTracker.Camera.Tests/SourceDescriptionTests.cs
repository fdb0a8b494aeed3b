using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

public sealed class SourceDescriptionTests
{
    private const string BgrSink = "videoconvert ! video/x-raw,format=BGR ! appsink name=sink";

    [Fact]
    public void Csi_uri_builds_the_argus_pipeline_with_defaults_and_options()
    {
        var csi = SourceDescription.Parse("csi://1?width=1920&height=1080&fps=60&flip=2");
        Assert.Equal(SourceKind.Csi, csi.Kind);
        Assert.True(csi.IsLive);
        Assert.StartsWith(
            "nvarguscamerasrc sensor-id=1 ! video/x-raw(memory:NVMM),width=1920,height=1080,framerate=60/1,format=NV12 ! " +
            "nvvidconv flip-method=2 ! video/x-raw,format=BGRx ! " + BgrSink, csi.Pipeline);
        Assert.Contains("width=1280,height=720,framerate=30/1", SourceDescription.Parse("csi://0").Pipeline);
    }

    [Fact]
    public void V4l2_uri_selects_raw_or_mjpeg_caps()
    {
        var raw = SourceDescription.Parse("v4l2:///dev/video2?width=1280&height=720&fps=15");
        Assert.StartsWith("v4l2src device=\"/dev/video2\" ! video/x-raw,format=YUY2,width=1280,height=720,framerate=15/1 ! " + BgrSink, raw.Pipeline);
        var mjpg = SourceDescription.Parse("v4l2:///dev/video0?format=mjpg");
        Assert.Contains("image/jpeg,width=640,height=480,framerate=30/1 ! jpegdec ! " + BgrSink, mjpg.Pipeline);
        Assert.True(mjpg.IsLive);
    }

    [Fact]
    public void Rtsp_options_go_after_the_hash_and_the_cameras_own_query_is_kept()
    {
        var rtsp = SourceDescription.Parse("rtsp://admin:pw@10.0.0.5:554/Streaming/101?channel=1#latency=50&transport=udp");
        Assert.Equal(SourceKind.Rtsp, rtsp.Kind);
        Assert.StartsWith(
            "rtspsrc location=\"rtsp://admin:pw@10.0.0.5:554/Streaming/101?channel=1\" latency=50 protocols=udp ! decodebin ! " + BgrSink,
            rtsp.Pipeline);
        Assert.Contains("latency=200 protocols=tcp", SourceDescription.Parse("rtsp://cam/live").Pipeline);
    }

    [Fact]
    public void Http_uri_reads_multipart_mjpeg()
    {
        var http = SourceDescription.Parse("http://127.0.0.1:8080/video?x=1#timeout=3");
        Assert.Equal(SourceKind.HttpMjpeg, http.Kind);
        Assert.StartsWith("souphttpsrc location=\"http://127.0.0.1:8080/video?x=1\" is-live=true do-timestamp=true timeout=3 ! multipartdemux ! jpegdec ! " + BgrSink, http.Pipeline);
        Assert.Equal(SourceKind.HttpMjpeg, SourceDescription.Parse("https://cam.local/mjpg").Kind);
    }

    [Fact]
    public void File_and_images_are_replays_with_their_options()
    {
        var file = SourceDescription.Parse("file:///data/clip%20one.mkv?loop=true&realtime=true");
        Assert.False(file.IsLive);
        Assert.True(file.Loop);
        Assert.StartsWith("filesrc location=\"/data/clip one.mkv\" ! decodebin ! " + BgrSink, file.Pipeline);
        Assert.Contains("drop=false sync=true", file.Pipeline);

        var images = SourceDescription.Parse("images:///work/shared/testdata/sequences/otb_biker");
        Assert.Equal((SourceKind.Images, "/work/shared/testdata/sequences/otb_biker", 30.0, false, false, (string?)null),
            (images.Kind, images.Folder, images.RequestedFps, images.Loop, images.IsLive, images.Pipeline));
        var unpaced = SourceDescription.Parse("images://seq/toy?fps=0&loop=true");
        Assert.Equal(("seq/toy", 0.0, true), (unpaced.Folder, unpaced.RequestedFps, unpaced.Loop));
    }

    [Fact]
    public void Test_uri_picks_pattern_size_and_rate()
    {
        var test = SourceDescription.Parse("test://ball?width=1920&height=1080&fps=25");
        Assert.True(test.IsLive);
        Assert.StartsWith("videotestsrc pattern=ball is-live=true ! video/x-raw,width=1920,height=1080,framerate=25/1 ! " + BgrSink, test.Pipeline);
        Assert.Contains("pattern=smpte", SourceDescription.Parse("test://").Pipeline);
        Assert.False(SourceDescription.Parse("test://snow?fps=0").IsLive);
    }

    [Fact]
    public void Gst_pipeline_is_taken_as_is()
    {
        const string pipeline = "videotestsrc ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink";
        var gst = SourceDescription.Parse("gst:" + pipeline);
        Assert.Equal((SourceKind.Pipeline, pipeline, true), (gst.Kind, gst.Pipeline, gst.IsLive));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/dev/video0", "expected scheme")]
    [InlineData("ftp://host/x", "unknown scheme 'ftp'")]
    [InlineData("test://ball?widht=320", "unknown option 'widht'")]
    [InlineData("test://ball?width=abc", "width 'abc' is not a whole number")]
    [InlineData("test://ball?width=0", "width '0' is not a whole number from 16")]
    [InlineData("test://ball?fps=30&fps=25", "given twice")]
    [InlineData("test://nosuchpattern", "unknown test pattern 'nosuchpattern'")]
    [InlineData("images://", "no folder")]
    [InlineData("images://seq?fps=-1", "fps '-1' is not a number")]
    [InlineData("images://seq?loop=maybe", "loop 'maybe' is not true or false")]
    [InlineData("v4l2://video0", "expected a device path")]
    [InlineData("v4l2:///dev/video0?format=h264", "format 'h264' is not yuyv or mjpg")]
    [InlineData("rtsp://cam/x#transport=sctp", "transport 'sctp'")]
    [InlineData("rtsp:///nohost", "not an absolute URL with a host")]
    [InlineData("file://", "no file path")]
    [InlineData("file:///a\"b.mp4", "quotes")]
    [InlineData("gst:videotestsrc ! fakesink", "must end in 'appsink name=sink'")]
    [InlineData("gst:", "needs a pipeline")]
    [InlineData("csi://x", "sensor id 'x'")]
    public void Bad_uris_are_rejected_with_a_message_naming_the_problem(string uri, string expected)
    {
        var error = Assert.Throws<SourceUriException>(() => SourceDescription.Parse(uri));
        Assert.Contains(expected, error.Message);
        Assert.Equal(uri, error.Uri);
    }
}
