using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.VitTrack;

namespace EdgeTracker.Tests.VitTrack;

/// <summary>
/// VitTrack's tracker on a VitTrack-shaped model the test writes: a planted score peak, size and offset, with the
/// score scaled by the search crop's mean brightness (so a dark frame means "target gone").
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class VitTrackTrackerTests : IDisposable
{
    private const int N = 16, Cells = N * N;
    private readonly string _folder = Directory.CreateTempSubdirectory("vittrack-test").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] PlantedModel()
    {
        var score = Enumerable.Repeat(0.05f, Cells).ToArray();
        var size = new float[2 * Cells];
        var offset = new float[2 * Cells];
        var cell = 4 * N + 10; // row 4, column 10
        score[cell] = 0.9f;
        size[cell] = 0.125f;
        size[Cells + cell] = 0.25f;
        offset[cell] = 0.5f;
        offset[Cells + cell] = 0.25f;
        var graph = new GraphProto { Name = "vit_planted" };
        graph.Input.Add(OnnxModels.Float("template", 1, 3, 128, 128));
        graph.Input.Add(OnnxModels.Float("search", 1, 3, 256, 256));
        graph.Initializer.Add(OnnxModels.Tensor("score_planted", [1, 1, N, N], score));
        graph.Initializer.Add(OnnxModels.Tensor("size_planted", [1, 2, N, N], size));
        graph.Initializer.Add(OnnxModels.Tensor("offset_planted", [1, 2, N, N], offset));
        graph.Initializer.Add(OnnxModels.Tensor("per_200", [1], [1f / 200f]));
        graph.Initializer.Add(OnnxModels.Tensor("zero", [1], [0f]));
        graph.Node.Add(OnnxModels.Node("ReduceMean", ["search"], ["brightness"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("ReduceMean", ["template"], ["template_mean"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("Mul", ["template_mean", "zero"], ["template_used"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["brightness", "per_200"], ["gain"]));
        graph.Node.Add(OnnxModels.Node("Add", ["gain", "template_used"], ["gain_t"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["score_planted", "gain_t"], ["output1"]));
        graph.Node.Add(OnnxModels.Node("Identity", ["size_planted"], ["output2"]));
        graph.Node.Add(OnnxModels.Node("Identity", ["offset_planted"], ["output3"]));
        graph.Output.Add(OnnxModels.Float("output1", 1, 1, N, N));
        graph.Output.Add(OnnxModels.Float("output2", 1, 2, N, N));
        graph.Output.Add(OnnxModels.Float("output3", 1, 2, N, N));
        return OnnxModels.Write(OnnxModels.Model(graph, opset: 17));
    }

    private VitTrackTracker Create(OrtSessionOptions options)
    {
        var path = Path.Combine(_folder, "vit.onnx");
        File.WriteAllBytes(path, PlantedModel());
        var manifest = new ModelManifest
        {
            Name = "vit-planted", Family = "vittrack", TemplateSize = 128, SearchSize = 256, Stride = 16,
            Files = new Dictionary<string, ModelFile> { ["model"] = new() { Path = "vit.onnx" } },
        };
        return new VitTrackTracker(manifest, new Dictionary<string, string> { ["model"] = path }, options);
    }

    [Fact]
    public void A_planted_cell_moves_the_box_where_computed_by_hand_and_a_lost_target_is_searched_wider()
    {
        using var options = OrtSessionOptions.Create(new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 });
        using var tracker = Create(options);
        var bright = Frame.Standalone(640, 480);
        bright.Pixels.Fill(200);
        var dark = Frame.Standalone(640, 480);
        dark.Pixels.Fill(0);

        tracker.Init(bright, new BoxF(300, 200, 40, 40));
        var result = tracker.Track(bright);
        // Search side ⌈√1600·4⌉ = 160 around (320, 220): crop origin (240, 140).
        // Centre (240 + (10 + 0.5)/16·160, 140 + (4 + 0.25)/16·160) = (345, 182.5); size (0.125·160, 0.25·160) = (20, 40).
        Assert.Equal(new BoxF(335, 162.5f, 20, 40), result.Box);
        var hann = (int i) => 0.5f * (1 - MathF.Cos(2 * MathF.PI * (i + 1) / 17));
        Assert.Equal(0.9f * hann(4) * hann(10), result.Confidence, 4);
        Assert.Equal(TargetState.Tracking, result.State);

        // Dark frames: score 0 < 0.2, the box stays; three in a row make the target lost.
        TrackResult last = default;
        for (var i = 0; i < 3; i++)
        {
            last = tracker.Track(dark);
            Assert.Equal(result.Box, last.Box);
        }
        Assert.Equal(TargetState.Lost, last.State);

        // Lost: the search region is LostSearchScale (2) times wider: side ⌈√800·8⌉ = 227 around (345, 182.5).
        var found = tracker.Track(bright);
        var side = (int)MathF.Ceiling(MathF.Sqrt(20 * 40) * 8);
        var x0 = MathF.Floor(345 - (side + 1) / 2f + 0.5f);
        var y0 = MathF.Floor(182.5f - (side + 1) / 2f + 0.5f);
        Assert.Equal(x0 + 10.5f / 16 * side, found.Box.CenterX, 3);
        Assert.Equal(y0 + 4.25f / 16 * side, found.Box.CenterY, 3);
        Assert.Equal(0.125f * side, found.Box.W, 3);
    }
}
