using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tests.SiamFC;

/// <summary>
/// The SiamFC tracker on a SiamFC-shaped model the test writes (as a learned export would look: a kernel from the
/// exemplar, a raw response per scale), whose response is planted: the box must move where computed by hand.
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class SiamFcTrackerTests : IDisposable
{
    private const int R = 17, Scales = 3;
    private readonly string _folder = Directory.CreateTempSubdirectory("siamfc-test").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (byte[] Template, byte[] Search) PlantedModel(float[] responses)
    {
        var template = new GraphProto { Name = "fc_template" };
        template.Input.Add(OnnxModels.Float("exemplar", 1, 3, 127, 127));
        template.Node.Add(OnnxModels.Node("ReduceMean", ["exemplar"], ["z"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        template.Output.Add(OnnxModels.Float("z", 1, 1, 1, 1));
        var search = new GraphProto { Name = "fc_search" };
        search.Input.Add(OnnxModels.Float("instances", Scales, 3, 255, 255));
        search.Input.Add(OnnxModels.Float("z", 1, 1, 1, 1));
        search.Initializer.Add(OnnxModels.Tensor("planted", [Scales, 1, R, R], responses));
        search.Initializer.Add(OnnxModels.Tensor("zero", [1], [0f]));
        search.Node.Add(OnnxModels.Node("ReduceMean", ["instances"], ["x"], OnnxModels.Attr("axes", [1L, 2L, 3L]), OnnxModels.Attr("keepdims", 1L)));
        search.Node.Add(OnnxModels.Node("Add", ["x", "z"], ["both"]));
        search.Node.Add(OnnxModels.Node("Mul", ["both", "zero"], ["nothing"]));
        search.Node.Add(OnnxModels.Node("Add", ["planted", "nothing"], ["score"]));
        search.Output.Add(OnnxModels.Float("score", Scales, 1, R, R));
        return (OnnxModels.Write(OnnxModels.Model(template, 17)), OnnxModels.Write(OnnxModels.Model(search, 17)));
    }

    [Fact]
    public void A_planted_peak_on_the_larger_scale_moves_and_grows_the_box_as_computed_by_hand()
    {
        var responses = Enumerable.Repeat(0.1f, Scales * R * R).ToArray();
        for (var s = 0; s < Scales; s++)
        {
            responses[s * R * R] = 0.2f; // a far corner, so the sidelobe is not flat
        }
        responses[2 * R * R + 6 * R + 11] = 1f; // scale 2 (1.0375), row 6, column 11
        var (template, search) = PlantedModel(responses);
        File.WriteAllBytes(Path.Combine(_folder, "t.onnx"), template);
        File.WriteAllBytes(Path.Combine(_folder, "s.onnx"), search);
        var manifest = new ModelManifest
        {
            Name = "fc-planted", Family = "siamfc", Stride = 8, TemplateSize = 127, SearchSize = 255,
            Files = new Dictionary<string, ModelFile> { ["template"] = new() { Path = "t.onnx" }, ["search"] = new() { Path = "s.onnx" } },
            HyperParameters = new HyperParameters { ContextAmount = 0.5f, WindowInfluence = 0f },
            SiamFc = new SiamFcParameters(), // the paper's: 3 scales 1.0375, penalty 0.9745, damping 0.59, 16× upsampling, raw response
        };
        var files = new Dictionary<string, string> { ["template"] = Path.Combine(_folder, "t.onnx"), ["search"] = Path.Combine(_folder, "s.onnx") };
        using var options = OrtSessionOptions.Create(new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 });
        using var tracker = new SiamFcTracker(manifest, files, options);
        Assert.Equal(R, tracker.ResponseSize);
        var frame = Frame.Standalone(640, 480);
        frame.Pixels.Fill(100);

        tracker.Init(frame, new BoxF(300, 200, 64, 64));
        var result = tracker.Track(frame);

        // By hand. Centre (331.5, 231.5); exemplar side √(128·128) = 128; search side 128·255/127 = 257.00787.
        // Scale 2 wins (1·0.9745 > 0.2). The impulse at column 11 upsamples to a tie between outputs 183 and 184
        // (the first is taken), row 6 to 103; the map's centre is 135.5. One upsampled cell = 8/16 crop pixel, and
        // the crop is 257.00787·1.0375/255 frame pixels a pixel: dx = 47.5·0.5·1.0456690 = 24.83464,
        // dy = −32.5·0.5·1.0456690 = −16.99212. Size ×(0.41 + 0.59·1.0375) = ×1.022125: 65.416.
        var w = 64f * 1.022125f;
        Assert.Equal(w, result.Box.W, 3);
        Assert.Equal(331.5f + 24.83464f - (w - 1) / 2, result.Box.X, 2);
        Assert.Equal(231.5f - 16.99212f - (w - 1) / 2, result.Box.Y, 2);
        Assert.Equal(1f, result.Confidence); // peak-to-sidelobe ratio far above 10
        Assert.Equal(TargetState.Tracking, result.State);
    }
}
