using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.SiamRpn;

namespace EdgeTracker.Tests.SiamRpn;

/// <summary>
/// No public SiamRPN weights exist here, so the tests write SiamRPN-shaped ONNX models themselves: a template model
/// giving a kernel, and a search model whose classification and regression maps are planted constants (plus
/// zero times each input, so the graph really consumes what the tracker feeds it).
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class SiamRpnTrackerTests : IDisposable
{
    private const int K = 5, S = 5, Cells = S * S, Count = K * Cells;
    private readonly string _folder = Directory.CreateTempSubdirectory("siamrpn-test").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] TemplateModel()
    {
        var graph = new GraphProto { Name = "rpn_template" };
        graph.Input.Add(OnnxModels.Float("template", 1, 3, 127, 127));
        graph.Node.Add(OnnxModels.Node("ReduceMean", ["template"], ["zf"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        graph.Output.Add(OnnxModels.Float("zf", 1, 1, 1, 1));
        return OnnxModels.Write(OnnxModels.Model(graph, opset: 17));
    }

    private static byte[] SearchModel(float[] cls, float[] loc)
    {
        var graph = new GraphProto { Name = "rpn_search" };
        graph.Input.Add(OnnxModels.Float("search", 1, 3, 255, 255));
        graph.Input.Add(OnnxModels.Float("zf", 1, 1, 1, 1));
        graph.Initializer.Add(OnnxModels.Tensor("cls_planted", [1, 2 * K, S, S], cls));
        graph.Initializer.Add(OnnxModels.Tensor("loc_planted", [1, 4 * K, S, S], loc));
        graph.Initializer.Add(OnnxModels.Tensor("zero", [1], [0f]));
        graph.Node.Add(OnnxModels.Node("ReduceMean", ["search"], ["xf"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("Add", ["xf", "zf"], ["both"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["both", "zero"], ["nothing"]));
        graph.Node.Add(OnnxModels.Node("Add", ["cls_planted", "nothing"], ["cls"]));
        graph.Node.Add(OnnxModels.Node("Add", ["loc_planted", "nothing"], ["loc"]));
        graph.Output.Add(OnnxModels.Float("cls", 1, 2 * K, S, S));
        graph.Output.Add(OnnxModels.Float("loc", 1, 4 * K, S, S));
        return OnnxModels.Write(OnnxModels.Model(graph, opset: 17));
    }

    [Fact]
    public void A_planted_peak_at_a_chosen_anchor_with_chosen_deltas_moves_the_box_where_computed_by_hand()
    {
        var cls = new float[2 * Count];
        var loc = new float[4 * Count];
        Array.Fill(cls, -5f, Count, Count); // every anchor: background 0, target −5
        // Anchor 2 (ratio 1: 64×64) at row 1, column 3 of the 5×5 map: centre (−16 + 3·8, −16 + 1·8) = (8, −8).
        var index = 2 * Cells + 1 * S + 3;
        cls[Count + index] = 5f;
        loc[index] = 0.25f;                       // cx = 8 + 0.25·64 = 24
        loc[Count + index] = -0.5f;               // cy = −8 − 0.5·64 = −40
        loc[2 * Count + index] = MathF.Log(1.5f); // w = 96
        loc[3 * Count + index] = 0f;              // h = 64
        File.WriteAllBytes(Path.Combine(_folder, "t.onnx"), TemplateModel());
        File.WriteAllBytes(Path.Combine(_folder, "s.onnx"), SearchModel(cls, loc));
        var manifest = new ModelManifest
        {
            Name = "rpn-planted", Family = "siamrpn", Stride = 8, TemplateSize = 127, SearchSize = 255,
            Files = new Dictionary<string, ModelFile> { ["template"] = new() { Path = "t.onnx" }, ["search"] = new() { Path = "s.onnx" } },
            HyperParameters = new HyperParameters { ContextAmount = 0.5f, PenaltyK = 0.05f, WindowInfluence = 0.4f, Lr = 0.3f },
        };
        var files = new Dictionary<string, string> { ["template"] = Path.Combine(_folder, "t.onnx"), ["search"] = Path.Combine(_folder, "s.onnx") };
        using var options = OrtSessionOptions.Create(new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 });
        using var tracker = new SiamRpnTracker(manifest, files, options);
        var frame = Frame.Standalone(640, 480);
        frame.Pixels.Fill(90);

        tracker.Init(frame, new BoxF(300, 200, 64, 64));
        var result = tracker.Track(frame);

        // By hand. Centre (300 + 31.5, 200 + 31.5). Exemplar side √(128·128) = 128, so scale_z = 127/128 and the
        // target is 63.5 crop pixels wide. Penalty: s_c = √(176·144)/127 = 1.253529, r_c = 1.5,
        // exp(−(1.5·1.253529 − 1)·0.05) = 0.956940; score σ(5) = 0.993307; lr = 0.956940·0.993307·0.3 = 0.285158.
        // cx = 331.5 + 24·128/127 = 355.688976; cy = 231.5 − 40·128/127 = 191.185039
        // w = 64·(1 − lr) + 96·128/127·lr = 73.340612; h = 64·(1 − lr) + 64·128/127·lr = 64.143674
        Assert.Equal(0.993307f, result.Score, 5);
        Assert.Equal(73.3406f, result.Box.W, 2);
        Assert.Equal(64.1437f, result.Box.H, 2);
        Assert.Equal(355.68898f - 73.340612f / 2, result.Box.X, 2);
        Assert.Equal(191.185039f - 64.143674f / 2, result.Box.Y, 2);
        Assert.Equal(TargetState.Tracking, result.State);
    }

    [Fact]
    public void A_search_model_without_maps_of_2k_and_4k_channels_is_refused_naming_the_file()
    {
        var cls = new float[2 * Count];
        var loc = new float[4 * Count];
        File.WriteAllBytes(Path.Combine(_folder, "t.onnx"), TemplateModel());
        File.WriteAllBytes(Path.Combine(_folder, "s.onnx"), SearchModel(cls, loc));
        var manifest = new ModelManifest
        {
            Name = "rpn-three-anchors", Family = "siamrpn", Stride = 8,
            Files = new Dictionary<string, ModelFile> { ["template"] = new() { Path = "t.onnx" }, ["search"] = new() { Path = "s.onnx" } },
            SiamRpn = new SiamRpnParameters { AnchorRatios = [0.5f, 1f, 2f] },
        };
        var files = new Dictionary<string, string> { ["template"] = Path.Combine(_folder, "t.onnx"), ["search"] = Path.Combine(_folder, "s.onnx") };
        using var options = OrtSessionOptions.Create(new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 });
        var error = Assert.Throws<ModelException>(() => new SiamRpnTracker(manifest, files, options));
        Assert.Contains("s.onnx", error.Message);
        Assert.Contains("6 channels", error.Message);
    }
}
