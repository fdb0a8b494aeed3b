using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeTracker.Evaluation;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Cli;

/// <summary>
/// <c>edgetracker track --source &lt;sequence folder or video&gt; --init x,y,w,h [--model NAME] [--output boxes.txt]</c>:
/// follows one object through a folder of JPEGs (a sequence folder, its <c>img/</c>, or any folder of *.jpg) or a
/// video file (decoded by EdgeTracker.Camera's <c>file://</c> source, every frame in order), writing one <c>x,y,w,h</c> line per frame.
/// </summary>
public static class TrackCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "A folder of JPEG frames (OTB/VOT sequence folders work) or a video file.", Required = true };
        var init = new Option<string>("--init") { Description = "The target on frame 1: x,y,w,h in pixels.", Required = true };
        var model = new Option<string>("--model") { Description = "Model name (manifest in models/).", DefaultValueFactory = _ => "nanotrack-v3" };
        var output = new Option<string?>("--output") { Description = "Write one x,y,w,h line per frame to this file." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var command = new Command("track", "Track one object through a folder of frames or a video.") { source, init, model, output, threads };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var logger = loggerFactory.CreateLogger("track");
            OrtEnvironment.Logger = logger;
            try
            {
                var box = ParseBox(parse.GetValue(init)!);
                await RunAsync(parse.GetValue(source)!, box, parse.GetValue(model)!, parse.GetValue(threads), parse.GetValue(output), Console.Out, logger, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is ModelException or OrtException or DllNotFoundException or InvalidDataException or FileNotFoundException
                                          or DirectoryNotFoundException or ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"track: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>Parses <c>x,y,w,h</c>; throws <see cref="FormatException"/> naming the text.</summary>
    public static BoxF ParseBox(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[4];
        if (parts.Length != 4 || parts.Where((p, i) => !float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])).Any())
        {
            throw new FormatException($"--init '{text}' is not x,y,w,h (four numbers separated by commas).");
        }
        var box = new BoxF(values[0], values[1], values[2], values[3]);
        return box.IsValid ? box : throw new FormatException($"--init '{text}' has no positive width and height.");
    }

    /// <summary>Runs the tracker over the source; returns the boxes, frame 1 first.</summary>
    public static async Task<IReadOnlyList<TrackResult>> RunAsync(string sourcePath, BoxF init, string modelName, int threads, string? outputPath,
        TextWriter console, ILogger logger, CancellationToken cancellationToken)
    {
        await using IFrameSource source = OpenSource(sourcePath);
        using var tracker = TrackerFactory.Create(modelName, new InferenceOptions { IntraOpThreads = threads }, logger: logger);
        var results = new List<TrackResult>();
        long ticks = 0;
        for (var index = 0; ; index++)
        {
            using var frame = await source.NextAsync(cancellationToken);
            if (frame is null)
            {
                break;
            }
            if (index == 0)
            {
                if (init.X + init.W <= 0 || init.Y + init.H <= 0 || init.X >= frame.Width || init.Y >= frame.Height)
                {
                    throw new ArgumentException($"--init box {init} lies outside the {frame.Width}×{frame.Height} frame.");
                }
                tracker.Init(frame, init);
                results.Add(new TrackResult(init, 1f, 1f, TargetState.Tracking));
                continue;
            }
            var t0 = Stopwatch.GetTimestamp();
            results.Add(tracker.Track(frame));
            ticks += Stopwatch.GetTimestamp() - t0;
        }
        if (results.Count == 0)
        {
            throw new InvalidDataException($"'{sourcePath}' holds no frames.");
        }
        if (outputPath is not null)
        {
            await File.WriteAllLinesAsync(outputPath, results.Select(r =>
                string.Create(CultureInfo.InvariantCulture, $"{r.Box.X:F2},{r.Box.Y:F2},{r.Box.W:F2},{r.Box.H:F2}")), cancellationToken);
        }
        var fps = ticks > 0 ? (results.Count - 1) / ((double)ticks / Stopwatch.Frequency) : 0;
        var lost = results.Count(r => r.State == TargetState.Lost);
        var uncertain = results.Count(r => r.State == TargetState.Uncertain);
        var written = outputPath is null ? "" : $"; boxes written to {outputPath}";
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{results.Count} frames, {tracker.ModelName} on {tracker.ExecutionProvider}, {fps:F1} fps (tracker time), lost in {lost} frames, uncertain in {uncertain}{written}"));
        return results;
    }

    private static IFrameSource OpenSource(string path)
    {
        if (Directory.Exists(path))
        {
            var folder = Directory.Exists(Path.Combine(path, "img")) ? Path.Combine(path, "img") : path;
            var frames = Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            return frames.Count > 0 ? new SequenceFrames(frames) : throw new InvalidDataException($"'{folder}' holds no JPEG frames.");
        }
        return File.Exists(path) ? new VideoFrames(path) : throw new FileNotFoundException($"Source '{path}' is neither a folder nor a file.", path);
    }
}
