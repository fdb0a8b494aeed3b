using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Tests.Inference;

/// <summary>
/// The batch rewrite on graphs written here: a squeeze-excite block (the pattern that pins NanoTrack's backbone
/// to a batch of 1), computed and allowzero reshapes that must be left alone, and the batched run through
/// <see cref="OrtBatchTensor{T}"/> compared item by item with the unmodified model.
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class BatchDimensionTests
{
    private static readonly InferenceOptions Cpu = new() { Providers = ["cpu"], IntraOpThreads = 1 };

    /// <summary>x · sigmoid(mean over the image of x), with the pooled vector reshaped to [1,3] and back to [1,3,1,1].</summary>
    private static ModelProto SqueezeExcite()
    {
        var graph = new GraphProto { Name = "se" };
        graph.Input.Add(OnnxModels.Float("x", 1, 3, 8, 8));
        graph.Initializer.Add(OnnxModels.Int64Tensor("flat", [2], [1, 3]));
        var back = OnnxModels.Int64Tensor("unused", [4], [1, 3, 1, 1]);
        back.Int64Data.Clear(); // as exporters write it: raw little-endian bytes
        back.RawData = Google.Protobuf.ByteString.CopyFrom(BitConverter.GetBytes(1L).Concat(BitConverter.GetBytes(3L)).Concat(BitConverter.GetBytes(1L)).Concat(BitConverter.GetBytes(1L)).ToArray());
        graph.Node.Add(OnnxModels.Node("Constant", [], ["back"], OnnxModels.Attr("value", back)));
        graph.Node.Add(OnnxModels.Node("GlobalAveragePool", ["x"], ["pooled"]));
        graph.Node.Add(OnnxModels.Node("Reshape", ["pooled", "flat"], ["vector"]));
        graph.Node.Add(OnnxModels.Node("Sigmoid", ["vector"], ["gate"]));
        graph.Node.Add(OnnxModels.Node("Reshape", ["gate", "back"], ["gate4"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["x", "gate4"], ["y"]));
        // The shape constant is also an output: a rewrite must copy it, not edit it.
        graph.Node.Add(OnnxModels.Node("Identity", ["flat"], ["flat_out"]));
        graph.Output.Add(OnnxModels.Float("y", 1, 3, 8, 8));
        graph.Output.Add(new ValueInfoProto
        {
            Name = "flat_out",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = new TensorShapeProto() } },
        });
        graph.Output[1].Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 2 });
        return OnnxModels.Model(graph, opset: 17);
    }

    [Fact]
    public void A_squeeze_excite_block_runs_a_batch_of_three_exactly_as_three_single_runs()
    {
        var original = OnnxModels.Write(SqueezeExcite());
        var model = SqueezeExcite();
        var rewrite = BatchDimension.MakeDynamic(model, "x");
        Assert.Equal(new BatchRewrite("x", ReshapesRewritten: 2, ReshapesLeft: 0), rewrite);
        Assert.Equal(BatchDimension.Name, model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([1L, 3L], model.Graph.Initializer.Single(t => t.Name == "flat").Int64Data);

        using var options = OrtSessionOptions.Create(Cpu);
        using var batched = InferenceSession.FromBytes(OnnxModels.Write(model), options, "se-batched");
        using var single = InferenceSession.FromBytes(original, options, "se");
        Assert.Equal(-1, batched.Inputs[0].Shape[0]);
        using var input = new OrtBatchTensor<float>(3, 3, 8, 8);
        using var output = new OrtBatchTensor<float>(3, 3, 8, 8);
        using var flat = new OrtTensor<long>(2);
        using var runBatch = batched.Bind([("x", input.ForBatch(3))], [("y", output.ForBatch(3)), ("flat_out", flat)]);
        for (var k = 0; k < 3; k++)
        {
            var item = input.Item(k);
            for (var i = 0; i < item.Length; i++) item[i] = (k + 1) * MathF.Cos(i * 0.37f + k);
        }
        runBatch.Run();
        Assert.Equal([1L, 3L], flat.Span.ToArray()); // the constant's other use kept its value

        using var x = new OrtTensor<float>(1, 3, 8, 8);
        using var y = new OrtTensor<float>(1, 3, 8, 8);
        using var flatSingle = new OrtTensor<long>(2);
        using var runSingle = single.Bind([("x", x)], [("y", y), ("flat_out", flatSingle)]);
        for (var k = 0; k < 3; k++)
        {
            input.Item(k).CopyTo(x.Span);
            runSingle.Run();
            Assert.Equal(y.Span.ToArray(), output.Item(k).ToArray());
        }
    }

    [Fact]
    public void Without_the_rewrite_the_same_graph_cannot_take_a_batch()
    {
        var model = SqueezeExcite();
        OnnxModels.SetInputShape(model, "x", [2, 3, 8, 8]);
        using var options = OrtSessionOptions.Create(Cpu);
        var e = Record.Exception(() =>
        {
            using var session = InferenceSession.FromBytes(OnnxModels.Write(model), options, "se-batch2");
            using var input = new OrtTensor<float>(2, 3, 8, 8);
            using var output = new OrtTensor<float>(2, 3, 8, 8);
            using var flat = new OrtTensor<long>(2);
            using var run = session.Bind([("x", input)], [("y", output), ("flat_out", flat)]);
            run.Run();
        });
        Assert.IsType<OrtException>(e);
    }

    [Fact]
    public void Computed_shapes_and_allowzero_reshapes_are_left_alone_and_counted()
    {
        var graph = new GraphProto { Name = "left" };
        graph.Input.Add(OnnxModels.Float("x", 1, 4));
        graph.Initializer.Add(OnnxModels.Int64Tensor("one_four", [2], [1, 4]));
        graph.Node.Add(OnnxModels.Node("Shape", ["x"], ["computed"]));
        graph.Node.Add(OnnxModels.Node("Reshape", ["x", "computed"], ["a"]));
        graph.Node.Add(OnnxModels.Node("Reshape", ["a", "one_four"], ["y"], OnnxModels.Attr("allowzero", 1L)));
        graph.Output.Add(OnnxModels.Float("y", 1, 4));
        var model = OnnxModels.Model(graph, opset: 17);

        var rewrite = BatchDimension.MakeDynamic(model, "x");

        Assert.Equal(0, rewrite.ReshapesRewritten);
        Assert.Equal(2, rewrite.ReshapesLeft);
        Assert.Equal("one_four", model.Graph.Node[2].Input[1]);
        Assert.Equal(BatchDimension.Name, model.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
    }

    [Fact]
    public void An_unknown_input_is_named_in_the_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => BatchDimension.MakeDynamic(SqueezeExcite(), "image"));
        Assert.Contains("'image'", e.Message);
        Assert.Contains("x", e.Message);
    }

    [Fact]
    public void Batch_tensor_guards_name_the_offending_value()
    {
        Assert.Contains("0", Assert.Throws<ArgumentOutOfRangeException>(() => new OrtBatchTensor<float>(0, 3)).Message);
        Assert.Throws<ArgumentException>(() => new OrtBatchTensor<float>(2, 3, 0));
        using var tensor = new OrtBatchTensor<float>(2, 3);
        Assert.Contains("3", Assert.Throws<ArgumentOutOfRangeException>(() => tensor.ForBatch(3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.ForBatch(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.Item(2));
        Assert.Equal([1L, 3L], tensor.ForBatch(1).Shape.ToArray());
        Assert.Equal([2L, 3L], tensor.ForBatch(2).Shape.ToArray());
        tensor.Item(1)[2] = 7f;
        Assert.Equal(3, tensor.ItemLength);
    }

    [Fact]
    public void A_batched_session_proves_its_rewrite_and_runs_any_count_up_to_its_capacity()
    {
        var model = SqueezeExcite();
        model.Graph.Node.RemoveAt(model.Graph.Node.Count - 1); // float outputs only
        model.Graph.Output.RemoveAt(1);
        var bytes = OnnxModels.Write(model);
        using var options = OrtSessionOptions.Create(Cpu);
        using var session = BatchedSession.Load(bytes, "se", options, capacity: 3);
        Assert.True(session.Batched, session.Reason);
        Assert.Equal(3, session.Capacity);
        Assert.Contains("2 reshape(s) made batch-agnostic", session.Reason);

        using var single = BatchedSession.Load(bytes, "se", options, capacity: 1, notBatchedReason: "asked for one");
        Assert.False(single.Batched);
        Assert.Equal("asked for one", single.Reason);
        for (var count = 1; count <= 3; count++)
        {
            for (var k = 0; k < count; k++)
            {
                var item = session.Input(0).Item(k);
                for (var i = 0; i < item.Length; i++) item[i] = MathF.Sin(i * 0.1f * (k + count));
            }
            session.Run(count);
            for (var k = 0; k < count; k++)
            {
                session.Input(0).Item(k).CopyTo(single.Input(0).Item(0));
                single.Run(1);
                Assert.Equal(single.Output(0).Item(0).ToArray(), session.Output(0).Item(k).ToArray());
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run(4));
    }

    [Fact]
    public void A_model_with_a_non_float_output_is_refused_naming_it()
    {
        using var options = OrtSessionOptions.Create(Cpu);
        var e = Assert.Throws<InvalidDataException>(() => BatchedSession.Load(OnnxModels.Write(SqueezeExcite()), "se-with-shape", options, capacity: 2));
        Assert.Contains("'flat_out'", e.Message);
        Assert.Contains("se-with-shape", e.Message);
    }
}
