using EdgeTracker.Camera.Native;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>Pipelines that cannot work say exactly why, and are not retried forever.</summary>
public sealed class PipelineErrorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Csi_source_on_a_machine_without_JetPack_fails_naming_the_element_and_package()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("csi://0"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var failed = await log.WaitFor<CameraFailed>(Wait);
        Assert.Contains("nvarguscamerasrc", failed.Reason);
        Assert.Contains("nvidia-l4t-gstreamer", failed.Reason);
        Assert.Contains("nvvidconv", failed.Reason);
        Assert.DoesNotContain("videoconvert", failed.Reason);
        Assert.Equal(CameraState.Failed, camera.State);
        Assert.DoesNotContain(log.Events, e => e is CameraRetrying);
    }

    [Fact]
    public void Element_check_names_every_missing_element()
    {
        var error = Assert.Throws<MissingGStreamerElementException>(() =>
            Gst.CheckElementsInstalled("videotestsrc ! nosuchelement ! x264enc ! videoconvert ! appsink name=sink"));
        Assert.Contains("nosuchelement", error.Elements);
        Assert.DoesNotContain("videotestsrc", error.Elements);
        Assert.Contains("no known package", error.Message);
    }

    [Theory]
    [InlineData("videotestsrc pattern=ball ! video/x-raw,width=320 ! videoconvert ! appsink name=sink",
        new[] { "videotestsrc", "videoconvert", "appsink" })]
    [InlineData("souphttpsrc location=\"http://a/b?c=1 ! d\" ! multipartdemux ! jpegdec ! appsink name=sink",
        new[] { "souphttpsrc", "multipartdemux", "jpegdec", "appsink" })]
    [InlineData("nvarguscamerasrc ! video/x-raw(memory:NVMM),format=NV12 ! nvvidconv flip-method=2 ! appsink",
        new[] { "nvarguscamerasrc", "nvvidconv", "appsink" })]
    [InlineData("videotestsrc ! tee name=t t. ! queue ! fakesink t. ! queue ! appsink name=sink",
        new[] { "videotestsrc", "tee", "queue", "fakesink", "queue", "appsink" })]
    public void Element_names_are_read_from_a_pipeline_description(string pipeline, string[] expected) =>
        Assert.Equal(expected, Gst.ElementNames(pipeline));

    [Fact]
    public async Task Pipeline_that_does_not_deliver_BGR_fails_with_advice()
    {
        using var camera = new CameraCapture(SourceDescription.Parse(
            "gst:videotestsrc ! video/x-raw,format=I420,width=64,height=48 ! appsink name=sink"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var failed = await log.WaitFor<CameraFailed>(Wait);
        Assert.Contains("I420", failed.Reason);
        Assert.Contains("video/x-raw,format=BGR", failed.Reason);
    }

    [Fact]
    public async Task Pipeline_that_does_not_parse_fails_with_GStreamers_message()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("gst:videotestsrc ! ! appsink name=sink"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var failed = await log.WaitFor<CameraFailed>(Wait);
        Assert.Contains("could not build the pipeline", failed.Reason);
    }

    [Fact]
    public async Task Live_pipeline_that_ends_is_lost_and_reopened()
    {
        var options = new CameraOptions { Backoff = new BackoffPolicy { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200) } };
        using var camera = new CameraCapture(SourceDescription.Parse(
            "gst:videotestsrc num-buffers=5 ! video/x-raw,width=64,height=48 ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink"), options);
        var log = new CameraEventLog(camera);
        camera.Start();
        var lost = await log.WaitFor<CameraLost>(Wait);
        Assert.Equal("end of stream", lost.Reason);
        Assert.False(lost.Stalled);
        await log.WaitFor<CameraRecovered>(Wait);
        Assert.True(camera.Reconnects >= 1);
    }

    [Fact]
    public void Failing_event_handler_does_not_stop_capture()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("test://ball?width=64&height=48"));
        camera.Transition += (_, _) => throw new InvalidOperationException("handler bug");
        camera.Start();
        Assert.True(camera.TryRead(Wait, out var frame));
        frame.Dispose();
    }
}
