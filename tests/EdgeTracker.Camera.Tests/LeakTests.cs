using System.Runtime.InteropServices;
using EdgeTracker.Camera.Sources;
using EdgeTracker.Testing;

namespace EdgeTracker.Camera.Tests;

/// <summary>
/// Opening and closing a source 200 times leaves open file descriptors, threads and native memory where they were:
/// every pipeline, bus, sink, caps reference and codec handle is released on every path.
/// </summary>
[Collection(nameof(LeakTests))] // measured alone: other tests' pipelines would move the process-wide numbers
[CollectionDefinition(nameof(LeakTests), DisableParallelization = true)]
public sealed partial class LeakTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("test://ball?width=320&height=240&fps=30")]
    [InlineData("images://{otb_toy_ldes}?fps=0")]
    public void Opening_and_closing_200_times_keeps_fds_threads_and_native_memory_flat(string uri)
    {
        uri = uri.Replace("{otb_toy_ldes}", TestData.Sequence("otb_toy_ldes"), StringComparison.Ordinal);
        var description = SourceDescription.Parse(uri);
        // Warm-up: GStreamer loads plugins, builds its registry caches and type system once per process.
        Cycle(description, 20);
        // LEAK_N overrides the count when investigating (growth that does not scale with it is allocator noise).
        var count = int.TryParse(Environment.GetEnvironmentVariable("LEAK_N"), out var n) ? n : 200;
        var start = Measure();
        Cycle(description, count);
        var middle = Measure();
        Cycle(description, count);
        var end = Measure();

        var report = $"{uri}: fds {start.Fds}→{middle.Fds}→{end.Fds}, threads {start.Threads}→{middle.Threads}→{end.Threads}, " +
                     $"malloc in use {start.HeapBytes / 1024}→{middle.HeapBytes / 1024}→{end.HeapBytes / 1024} KiB, " +
                     $"RSS {start.RssKiB}→{middle.RssKiB}→{end.RssKiB} KiB";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        // Bounds: no descriptor and no thread may remain (a leaked pipeline keeps its streaming thread and, for
        // devices and sockets, an fd; a margin of 2 covers the runtime's own lazily opened files). Native heap
        // (malloc in use, all arenas): one leaked 320×240 pipeline holds ≥ 230 KiB of video buffers, so 200 leaks
        // are ≥ 45 MB. Measured on the 2-core box: test pattern −3.0 MB; images +2.2…+3.2 MB alone (and the same
        // after 800 opens: noise, not growth); +7.3 MB when run after the rest of the suite, equally after 200 and
        // after 1000 opens, and released again by the time the next test runs — transient, not a leak. Bound: 8 MB.
        // A leaked libturbojpeg decoder is only ~3.8 KiB, below this noise: the codec test below covers it.
        // RSS (managed heap and runtime noise included; measured +1…+10 MB, once +17.6 MB on a fresh clone's
        // first run): 16 MB. Memory is judged on the smaller growth of two rounds of the same size: a leak grows
        // in both, a one-off transient (runtime warm-up, allocator arenas) in one.
        Assert.True(end.Fds - start.Fds <= 2, report);
        Assert.True(end.Threads - start.Threads <= 2, report);
        Assert.True(Math.Min(middle.HeapBytes - start.HeapBytes, end.HeapBytes - middle.HeapBytes) <= 8L << 20, report);
        Assert.True(Math.Min(middle.RssKiB - start.RssKiB, end.RssKiB - middle.RssKiB) <= 16 << 10, report);
    }

    [Fact]
    public void Creating_and_disposing_2000_jpeg_codecs_keeps_native_memory_flat()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(TestData.Sequence("otb_toy_ldes"), "img", "0001.jpg"));
        var frame = EdgeTracker.Camera.Frames.Frame.Standalone(320, 240);
        void Cycle(int times)
        {
            for (var i = 0; i < times; i++)
            {
                using var decoder = new EdgeTracker.Camera.Jpeg.JpegDecoder();
                decoder.Decode(jpeg, frame, i);
                using var encoder = new EdgeTracker.Camera.Jpeg.JpegEncoder();
                encoder.Encode(frame);
            }
        }
        Cycle(50);
        (long Growth, string Report) Round()
        {
            var before = Measure();
            Cycle(2000);
            var after = Measure();
            return (after.HeapBytes - before.HeapBytes, $"malloc in use {before.HeapBytes / 1024} KiB→{after.HeapBytes / 1024} KiB");
        }
        // Two rounds, the smaller growth judged: malloc's "in use" is process-wide, and the runtime's background
        // JIT and the previous test's GStreamer threads were seen to add ~3 MB once (CI run, 2026-11-21). A leak
        // repeats in every round; that noise does not.
        var first = Round();
        var second = Round();
        var report = $"codecs: round 1 {first.Report}, round 2 {second.Report}";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        // Without tjDestroy a decoder leaks ~3.8 KiB (measured with ctypes), so 2000 leaks ≥ 7.5 MB, and the
        // encoder more. No threads are created here, so the noise is small: bound 1 MB.
        Assert.True(Math.Min(first.Growth, second.Growth) <= 1L << 20, report);
    }

    private static void Cycle(SourceDescription description, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var camera = new CameraCapture(description);
            camera.Start();
            Assert.True(camera.TryRead(Wait, out var frame), $"no frame on open {i + 1}");
            frame.Dispose();
        }
    }

    private static (int Fds, int Threads, long HeapBytes, long RssKiB) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var fds = Directory.GetFiles("/proc/self/fd").Length;
        var status = File.ReadAllLines("/proc/self/status");
        var threads = int.Parse(Field(status, "Threads:"));
        var rss = long.Parse(Field(status, "VmRSS:").Replace("kB", "").Trim());
        var info = MallInfo2();
        return (fds, threads, (long)(info.InUseOrdinary + info.MappedBytes), rss);
    }

    private static string Field(string[] status, string name) =>
        status.First(l => l.StartsWith(name, StringComparison.Ordinal))[name.Length..].Trim();

    /// <summary>glibc's struct mallinfo2 (all size_t), summed over every arena.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MallocInfo
    {
        public nuint Arena;
        public nuint OrdinaryBlocks;
        public nuint SmallBlocks;
        public nuint MappedBlocks;
        public nuint MappedBytes;
        public nuint Unused;
        public nuint FastBytes;
        public nuint InUseOrdinary;
        public nuint FreeOrdinary;
        public nuint KeepCost;
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallocInfo MallInfo2();
}
