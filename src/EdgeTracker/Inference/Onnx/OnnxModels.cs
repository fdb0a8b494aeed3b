using Google.Protobuf;

namespace EdgeTracker.Inference.Onnx;

/// <summary>
/// Reads, edits and writes ONNX models with our subset of onnx.proto (<c>onnx_subset.proto</c>, compiled by
/// Grpc.Tools into <see cref="ModelProto"/> and friends). Fields the subset does not name survive a round trip as
/// unknown fields, so editing one thing changes nothing else.
/// </summary>
/// <example>
/// Run a backbone whose file declares a 255×255 input on a 127×127 template, without touching the file:
/// <code>
/// var bytes = File.ReadAllBytes(path);
/// var model = OnnxModels.Read(bytes);
/// OnnxModels.SetInputShape(model, "input", [1, 3, 127, 127]);   // also forgets stale intermediate/output shapes
/// using var session = InferenceSession.FromBytes(OnnxModels.Write(model), options, path);
/// </code>
/// Write a graph of our own:
/// <code>
/// var graph = new GraphProto { Name = "add" };
/// graph.Input.Add(OnnxModels.Float("a", 1, 4));
/// graph.Initializer.Add(OnnxModels.Tensor("b", [1, 4], [1f, 2f, 3f, 4f]));
/// graph.Node.Add(OnnxModels.Node("Add", ["a", "b"], ["y"]));
/// graph.Output.Add(OnnxModels.Float("y", 1, 4));
/// byte[] onnx = OnnxModels.Write(OnnxModels.Model(graph, opset: 14));
/// </code>
/// </example>
public static class OnnxModels
{
    /// <summary>ONNX's element type code for float32 (<c>TensorProto.DataType.FLOAT</c>).</summary>
    public const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>Parses a model; throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when the bytes are not ONNX.</summary>
    public static ModelProto Read(ReadOnlySpan<byte> bytes, string source = "model")
    {
        try
        {
            var model = ModelProto.Parser.ParseFrom(bytes);
            if (model.Graph is null)
            {
                throw new InvalidDataException($"'{source}' is not an ONNX model: it has no graph.");
            }
            return model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{source}' is not an ONNX model: {e.Message}", e);
        }
    }

    /// <summary>Serialises a model.</summary>
    public static byte[] Write(ModelProto model) => model.ToByteArray();

    /// <summary>The declared shape of a graph input (-1 for a symbolic dimension).</summary>
    public static long[] InputShape(ModelProto model, string inputName)
    {
        var input = FindInput(model, inputName);
        return [.. input.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : -1L)];
    }

    /// <summary>
    /// Rewrites a graph input's shape in memory. Because the file's other shapes were computed for the old input,
    /// intermediate shapes (<c>value_info</c>) are dropped and output dimensions made symbolic; ORT infers them again.
    /// </summary>
    public static void SetInputShape(ModelProto model, string inputName, IReadOnlyList<long> shape)
    {
        var input = FindInput(model, inputName);
        var tensorType = input.Type?.TensorType
            ?? throw new InvalidDataException($"Model input '{inputName}' is not a tensor.");
        tensorType.Shape = new TensorShapeProto();
        foreach (var d in shape)
        {
            tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        model.Graph.ValueInfo.Clear();
        foreach (var output in model.Graph.Output)
        {
            var outputShape = output.Type?.TensorType?.Shape;
            if (outputShape is null)
            {
                continue;
            }
            for (var i = 0; i < outputShape.Dim.Count; i++)
            {
                outputShape.Dim[i] = new TensorShapeProto.Types.Dimension { DimParam = $"{output.Name}_d{i}" };
            }
        }
    }

    private static ValueInfoProto FindInput(ModelProto model, string inputName) =>
        model.Graph.Input.FirstOrDefault(i => i.Name == inputName)
        ?? throw new InvalidDataException(
            $"Model has no input named '{inputName}'; its inputs are: {string.Join(", ", model.Graph.Input.Select(i => i.Name))}.");

    // ---- builders for graphs of our own -------------------------------------------------------------------

    /// <summary>A model around <paramref name="graph"/> with the default-domain opset <paramref name="opset"/>.</summary>
    public static ModelProto Model(GraphProto graph, long opset, long irVersion = 8, string producer = "edgetracker")
    {
        var model = new ModelProto { IrVersion = irVersion, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>A float tensor input/output description; a dimension of -1 becomes symbolic.</summary>
    public static ValueInfoProto Float(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = $"{name}_dyn" });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
        };
    }

    /// <summary>A float initializer stored as raw little-endian bytes.</summary>
    public static TensorProto Tensor(string name, IReadOnlyList<long> dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        return tensor;
    }

    /// <summary>An int64 initializer (shapes, axes).</summary>
    public static TensorProto Int64Tensor(string name, IReadOnlyList<long> dims, IEnumerable<long> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    /// <summary>A node of the default domain.</summary>
    public static NodeProto Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{string.Join("_", outputs)}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer-list attribute (kernel_shape, pads, strides…).</summary>
    public static AttributeProto Attr(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float-list attribute.</summary>
    public static AttributeProto Attr(string name, IEnumerable<float> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    /// <summary>A tensor attribute (e.g. Constant's value).</summary>
    public static AttributeProto Attr(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
