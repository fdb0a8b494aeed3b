using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTracker.Evaluation;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Cli;

/// <summary>
/// <c>edgetracker eval --sequences &lt;folder&gt; [--model NAME ...] [--threads N] [--json report.json]</c>: runs each
/// model over every sequence (OTB or VOT layout) and prints per-sequence AUC, precision, fps and lost frames, and
/// the mean. fps counts tracker time only (crop, inference, post-processing), not JPEG decoding.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var sequences = new Option<string>("--sequences") { Description = "A sequence folder, or a folder of sequence folders.", Required = true };
        var models = new Option<string[]>("--model") { Description = "Model name(s) (manifests in models/); default nanotrack-v3.", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var channels = new Option<string?>("--channel-order") { Description = "Override the model's channel order (bgr or rgb), for measurements." };
        var preload = new Option<bool>("--preload") { Description = "Decode each sequence completely before tracking it (clean fps on a busy machine; needs memory)." };
        var providers = new Option<string[]>("--providers") { Description = "Execution providers in order (default tensorrt cuda cpu).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("eval", "Score trackers on sequences with ground truth (OTB/VOT one-pass evaluation).")
        {
            sequences, models, threads, json, channels, providers, preload,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            var logger = loggerFactory.CreateLogger("eval");
            OrtEnvironment.Logger = logger;
            try
            {
                var report = await RunAsync(
                    parse.GetValue(sequences)!,
                    parse.GetValue(models) is { Length: > 0 } m ? m : ["nanotrack-v3"],
                    parse.GetValue(threads),
                    parse.GetValue(channels),
                    parse.GetValue(providers) is { Length: > 0 } p ? p : null,
                    Console.Out, logger, parse.GetValue(preload), cancellationToken);
                if (parse.GetValue(json) is { } path)
                {
                    JsonNode node = report.Count == 1 ? report[0] : new JsonArray([.. report]);
                    await File.WriteAllTextAsync(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
                    Console.WriteLine($"report written to {path}");
                }
                return 0;
            }
            catch (Exception e) when (e is ModelException or OrtException or DllNotFoundException or InvalidDataException or DirectoryNotFoundException or ArgumentException)
            {
                Console.Error.WriteLine($"eval: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>Finds the sequences under <paramref name="folder"/>: the folder itself if it is one, else its sub-folders that are.</summary>
    public static IReadOnlyList<Sequence> FindSequences(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Sequences folder '{folder}' does not exist.");
        }
        if (IsSequence(folder))
        {
            return [Sequence.Load(folder)];
        }
        var found = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).Where(IsSequence).Select(Sequence.Load).ToList();
        return found.Count > 0 ? found : throw new InvalidDataException($"'{folder}' holds no OTB or VOT sequence.");
    }

    private static bool IsSequence(string folder) =>
        File.Exists(Path.Combine(folder, "groundtruth_rect.txt")) || File.Exists(Path.Combine(folder, "groundtruth.txt"));

    /// <summary>Runs the evaluation and returns one JSON report per model (shape in docs/tracking.md).</summary>
    public static async Task<List<JsonObject>> RunAsync(string sequencesFolder, IReadOnlyList<string> models, int threads, string? channelOrder,
        IReadOnlyList<string>? providers, TextWriter output, ILogger logger, bool preload, CancellationToken cancellationToken)
    {
        var sequences = FindSequences(sequencesFolder);
        var inference = new InferenceOptions { IntraOpThreads = threads };
        if (providers is not null)
        {
            inference = inference with { Providers = providers };
        }
        var reports = new List<JsonObject>();
        foreach (var model in models)
        {
            using var tracker = TrackerFactory.Create(model, inference, new TrackerFactoryOptions { ChannelOrder = channelOrder }, logger);
            output.WriteLine($"{model} on {tracker.ExecutionProvider}, {threads} thread(s){(channelOrder is null ? "" : $", {channelOrder} input")}");
            output.WriteLine($"{"sequence",-40} {"frames",6} {"AUC",6} {"P@20",6} {"nP@.2",6} {"fps",7} {"lost",5}");
            var runs = new List<SequenceRun>();
            var rows = new JsonArray();
            foreach (var sequence in sequences)
            {
                var progress = new InlineProgress(done => output.Write($"\r{sequence.Name,-40} {done,6}/{sequence.FramePaths.Count}"));
                var run = await SequenceRunner.RunAsync(tracker, sequence, progress, preload, cancellationToken);
                runs.Add(run);
                output.Write('\r');
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{sequence.Name,-40} {sequence.FramePaths.Count,6} {run.Score.Auc,6:F3} {run.Score.Precision20,6:F3} {run.Score.NormPrecision,6:F3} {run.Fps,7:F1} {run.LostFrames,5}"));
                rows.Add(new JsonObject
                {
                    ["name"] = sequence.Name,
                    ["frames"] = sequence.FramePaths.Count,
                    ["auc"] = Math.Round(run.Score.Auc, 4),
                    ["precision20"] = Math.Round(run.Score.Precision20, 4),
                    ["normPrecision"] = Math.Round(run.Score.NormPrecision, 4),
                    ["fps"] = Math.Round(run.Fps, 1),
                    ["lostFrames"] = run.LostFrames,
                });
            }
            var meanAuc = runs.Average(r => r.Score.Auc);
            var meanP20 = runs.Average(r => r.Score.Precision20);
            var meanFps = runs.Average(r => r.Fps);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"mean",-40} {runs.Sum(r => r.Frames.Count),6} {meanAuc,6:F3} {meanP20,6:F3} {runs.Average(r => r.Score.NormPrecision),6:F3} {meanFps,7:F1} {runs.Sum(r => r.LostFrames),5}"));
            var (raw, ours) = SequenceRunner.ConfidenceSamples(runs);
            var rawAuc = Metrics.RocAuc(raw);
            var oursAuc = Metrics.RocAuc(ours);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"confidence ROC AUC (visible & IoU≥0.3 vs absent or IoU=0; {raw.Count(s => s.Item2)} vs {raw.Count(s => !s.Item2)} frames): raw score {rawAuc:F3}, ours {oursAuc:F3}"));
            reports.Add(new JsonObject
            {
                ["model"] = model,
                ["provider"] = tracker.ExecutionProvider,
                ["threads"] = threads,
                ["channelOrder"] = channelOrder ?? "manifest",
                ["sequences"] = rows,
                ["mean"] = new JsonObject
                {
                    ["auc"] = Math.Round(meanAuc, 4),
                    ["precision20"] = Math.Round(meanP20, 4),
                    ["fps"] = Math.Round(meanFps, 1),
                },
                ["confidenceRocAuc"] = new JsonObject
                {
                    ["raw"] = double.IsNaN(rawAuc) ? null : Math.Round(rawAuc, 4),
                    ["ours"] = double.IsNaN(oursAuc) ? null : Math.Round(oursAuc, 4),
                },
            });
        }
        return reports;
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool and can print after the row).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
