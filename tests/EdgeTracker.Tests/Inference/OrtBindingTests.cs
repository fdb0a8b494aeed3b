using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;
using EdgeTracker.Testing;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Tests.Inference;

/// <summary>The ONNX Runtime binding against the real library: tiny graphs we write ourselves, and the real NanoTrack files.</summary>
[Collection(OrtCollection.Name)]
public sealed class OrtBindingTests
{
    private static readonly InferenceOptions Cpu = new() { Providers = ["cpu"], IntraOpThreads = 1 };

    private static byte[] AddGraph(float[] constant, bool withUnusedInitializer = false)
    {
        var graph = new GraphProto { Name = "add" };
        graph.Input.Add(OnnxModels.Float("a", 1, constant.Length));
        graph.Initializer.Add(OnnxModels.Tensor("b", [1, constant.Length], constant));
        if (withUnusedInitializer)
        {
            graph.Initializer.Add(OnnxModels.Tensor("unused", [1], [0f]));
        }
        graph.Node.Add(OnnxModels.Node("Add", ["a", "b"], ["sum"]));
        graph.Node.Add(OnnxModels.Node("Relu", ["sum"], ["y"]));
        graph.Output.Add(OnnxModels.Float("y", 1, constant.Length));
        return OnnxModels.Write(OnnxModels.Model(graph, opset: 14));
    }

    [Fact]
    public void Loads_the_library_and_reports_its_version()
    {
        Assert.Matches(@"^1\.\d+", OrtEnvironment.Version);
        Assert.NotNull(OrtLibrary.LoadedFrom);
        Assert.Contains("CPUExecutionProvider", OrtApi.AvailableProviders());
    }

    [Fact]
    public void Runs_a_graph_we_wrote_into_pre_bound_outputs_repeatedly()
    {
        using var options = OrtSessionOptions.Create(Cpu);
        using var session = InferenceSession.FromBytes(AddGraph([1f, -2f, 3f, -4f]), options, "add.onnx");
        Assert.Equal("a", session.Inputs.Single().Name);
        Assert.Equal([1L, 4L], session.Outputs.Single().Shape);
        using var a = new OrtTensor<float>(1, 4);
        using var y = new OrtTensor<float>(1, 4);
        using var run = session.Bind([("a", a)], [("y", y)]);
        a.Span[0] = 1; a.Span[1] = 1; a.Span[2] = 1; a.Span[3] = 1;
        run.Run();
        Assert.Equal([2f, 0f, 4f, 0f], y.Span.ToArray());
        // Same buffers, new values: ORT reads and writes the pinned memory in place.
        a.Span.Fill(10f);
        run.Run();
        Assert.Equal([11f, 8f, 13f, 6f], y.Span.ToArray());
    }

    [Fact]
    public void A_configured_library_path_cannot_switch_the_library_once_loaded()
    {
        using (OrtSessionOptions.Create(Cpu)) { }
        using (OrtSessionOptions.Create(Cpu with { OnnxRuntimePath = OrtLibrary.LoadedFrom })) { } // the same one: fine
        var e = Assert.Throws<OrtException>(() => OrtSessionOptions.Create(Cpu with { OnnxRuntimePath = "/opt/other/libonnxruntime.so.1" }));
        Assert.Contains("/opt/other/libonnxruntime.so.1", e.Message);
        Assert.Contains("already loaded", e.Message);
    }

    [Fact]
    public void The_optimised_model_is_written_where_asked()
    {
        var path = Path.Combine(Path.GetTempPath(), $"et-optimised-{Guid.NewGuid():N}.onnx");
        try
        {
            using var options = OrtSessionOptions.Create(Cpu, optimizedModelPath: path);
            using var session = InferenceSession.FromBytes(AddGraph([1f, 2f]), options, "add.onnx");
            Assert.True(File.Exists(path));
            Assert.Equal("a", OnnxModels.Read(File.ReadAllBytes(path)).Graph.Input.Single().Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loading_bytes_that_are_not_a_model_fails_with_ORTs_message_and_the_model_name()
    {
        using var options = OrtSessionOptions.Create(Cpu);
        var e = Assert.Throws<OrtException>(() => InferenceSession.FromBytes("not a model"u8, options, "broken.onnx"));
        Assert.Contains("broken.onnx", e.Message);
        Assert.Equal("broken.onnx", e.ModelFile);
        Assert.NotEqual(0, e.ErrorCode); // ORT's own code: the message is ORT's, not ours
    }

    [Fact]
    public void A_missing_model_file_is_named()
    {
        using var options = OrtSessionOptions.Create(Cpu);
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => InferenceSession.FromFile(path, options));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Binding_a_tensor_of_the_wrong_shape_or_name_fails_naming_the_model()
    {
        using var options = OrtSessionOptions.Create(Cpu);
        using var session = InferenceSession.FromBytes(AddGraph([1f, 2f, 3f, 4f]), options, "add.onnx");
        using var wrong = new OrtTensor<float>(1, 5);
        using var y = new OrtTensor<float>(1, 4);
        var shape = Assert.Throws<OrtException>(() => session.Bind([("a", wrong)], [("y", y)]));
        Assert.Contains("add.onnx", shape.Message);
        Assert.Contains("[1,4]", shape.Message);
        var name = Assert.Throws<OrtException>(() => session.Bind([("nope", y)], [("y", y)]));
        Assert.Contains("no input named 'nope'", name.Message);
    }

    [Fact]
    public void ORTs_own_log_reaches_our_logger()
    {
        var logger = new CapturingLogger();
        var previous = OrtEnvironment.Logger;
        OrtEnvironment.Logger = logger;
        try
        {
            using var options = OrtSessionOptions.Create(Cpu);
            // ORT warns about an initializer no node uses while it optimises the graph.
            using var session = InferenceSession.FromBytes(AddGraph([1f, 2f], withUnusedInitializer: true), options, "unused.onnx");
        }
        finally
        {
            OrtEnvironment.Logger = previous;
        }
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("unused", StringComparison.Ordinal));
    }

    [Fact]
    public void The_backbone_runs_on_a_127_template_from_the_same_bytes_with_its_input_shape_rewritten_in_memory()
    {
        var path = Path.Combine(TestData.Models, "nanotrackv3", "nanotrack_backbone.onnx");
        var bytes = File.ReadAllBytes(path);
        var model = OnnxModels.Read(bytes, path);
        Assert.Equal([1L, 3, 255, 255], OnnxModels.InputShape(model, "input"));
        OnnxModels.SetInputShape(model, "input", [1, 3, 127, 127]);
        var rewritten = OnnxModels.Write(model);
        Assert.Equal([1L, 3, 127, 127], OnnxModels.InputShape(OnnxModels.Read(rewritten), "input"));
        // Unknown-to-our-subset fields survive: the rewritten file is as large as the original give or take the shape bytes.
        Assert.InRange(rewritten.Length, bytes.Length - 200, bytes.Length + 200);

        using var options = OrtSessionOptions.Create(Cpu);
        using var template = InferenceSession.FromBytes(rewritten, options, path);
        using var search = InferenceSession.FromFile(path, options);
        using var small = new OrtTensor<float>(1, 3, 127, 127);
        using var smallOut = new OrtTensor<float>(1, 96, 8, 8);
        using var large = new OrtTensor<float>(1, 3, 255, 255);
        using var largeOut = new OrtTensor<float>(1, 96, 16, 16);
        using var runSmall = template.Bind([("input", small)], [("output", smallOut)]);
        using var runLarge = search.Bind([("input", large)], [("output", largeOut)]);
        var random = new Random(7);
        foreach (ref var v in small.Span) v = random.Next(256);
        foreach (ref var v in large.Span) v = random.Next(256);
        runSmall.Run();
        runLarge.Run();
        Assert.Contains(smallOut.Span.ToArray(), v => v != 0f);
        Assert.Contains(largeOut.Span.ToArray(), v => v != 0f);
        Assert.All(smallOut.Span.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void An_unmodified_round_trip_through_our_schema_computes_the_same_output()
    {
        var path = Path.Combine(TestData.Models, "nanotrackv2", "nanotrack_head_sim.onnx");
        var roundTrip = OnnxModels.Write(OnnxModels.Read(File.ReadAllBytes(path)));
        using var options = OrtSessionOptions.Create(Cpu);
        using var original = InferenceSession.FromFile(path, options);
        using var copy = InferenceSession.FromBytes(roundTrip, options, path);
        using var z = new OrtTensor<float>(1, 48, 8, 8);
        using var x = new OrtTensor<float>(1, 48, 16, 16);
        using var cls1 = new OrtTensor<float>(1, 2, 16, 16);
        using var cls2 = new OrtTensor<float>(1, 2, 16, 16);
        var random = new Random(3);
        foreach (ref var v in z.Span) v = (float)random.NextDouble();
        foreach (ref var v in x.Span) v = (float)random.NextDouble();
        using (var a = original.Bind([("input1", z), ("input2", x)], [("output1", cls1)])) a.Run();
        using (var b = copy.Bind([("input1", z), ("input2", x)], [("output1", cls2)])) b.Run();
        Assert.Equal(cls1.Span.ToArray(), cls2.Span.ToArray());
    }
}

/// <summary>ORT tests share one process-wide environment and logger; run them one after another.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OrtCollection
{
    public const string Name = "ONNX Runtime";
}
