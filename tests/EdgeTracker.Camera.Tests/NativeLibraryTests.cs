using EdgeTracker.Camera.Native;

namespace EdgeTracker.Camera.Tests;

public sealed class NativeLibraryTests
{
    [Fact]
    public void Missing_library_error_names_it_the_places_searched_and_the_package()
    {
        var error = Assert.Throws<DllNotFoundException>(() =>
            NativeLibraries.Load("libedgetracker-nosuch-1.0.so.0", "libedgetracker-nosuch0"));
        Assert.Contains("'libedgetracker-nosuch-1.0.so.0' was not found", error.Message);
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "libedgetracker-nosuch-1.0.so.0"), error.Message);
        Assert.Contains("libedgetracker-nosuch-1.0.so)", error.Message); // the unversioned fallback, last
        Assert.Contains("Install the package libedgetracker-nosuch0", error.Message);
    }

    [Fact]
    public void Configured_directory_is_searched_first()
    {
        var previous = NativeLibraries.SearchDirectory;
        try
        {
            NativeLibraries.SearchDirectory = "/opt/edgetracker/native";
            var error = Assert.Throws<DllNotFoundException>(() => NativeLibraries.Load("libnosuch.so.0", "nosuch"));
            Assert.Contains("searched: /opt/edgetracker/native/libnosuch.so.0, ", error.Message);
        }
        finally
        {
            NativeLibraries.SearchDirectory = previous;
        }
    }

    [Fact]
    public void System_gstreamer_and_turbojpeg_load_and_report_their_version()
    {
        Assert.StartsWith("GStreamer 1.", Gst.Version);
        using var encoder = new EdgeTracker.Camera.Jpeg.JpegEncoder();
        Assert.Equal(85, encoder.Quality);
    }
}
