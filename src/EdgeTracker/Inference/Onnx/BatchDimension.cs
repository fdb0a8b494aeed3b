using Google.Protobuf;

namespace EdgeTracker.Inference.Onnx;

/// <summary>What <see cref="BatchDimension.MakeDynamic"/> changed in a graph.</summary>
/// <param name="Input">The input whose first dimension became the symbolic <see cref="BatchDimension.Name"/>.</param>
/// <param name="ReshapesRewritten">Reshape nodes whose constant target shape began with a batch of 1, now 0 ("keep the input's").</param>
/// <param name="ReshapesLeft">Reshape nodes left alone because their target shape is computed in the graph, begins with
/// something other than 1, or forbids 0 (<c>allowzero=1</c>). Computed shapes usually follow the batch already.</param>
public sealed record BatchRewrite(string Input, int ReshapesRewritten, int ReshapesLeft);

/// <summary>
/// Makes the batch dimension of a model exported with batch 1 dynamic, so one run can serve several inputs.
/// </summary>
/// <remarks>
/// Exporters write the batch of 1 into constant shapes: a squeeze-excite block of MobileNet, for one, reshapes its
/// pooled vector to the constant <c>[1, C]</c>, which fails (or, worse, mixes items) with a batch of 2. Every
/// Reshape whose constant shape starts with 1 gets 0 in its place, which ONNX defines as "copy this dimension from
/// the input" (opset 5+, with <c>allowzero</c> unset). This is a heuristic: a graph can still tie items together
/// in ways no rewrite can see (a batch-1 reshape that is not the batch, a Concat of constants, a kernel made from
/// the input). So the caller must prove the result: run a batch of distinct inputs and compare each item with a
/// run of its own — <c>NanoTrackBackbone</c> does exactly that before it batches, and falls back when they differ.
/// </remarks>
public static class BatchDimension
{
    /// <summary>The symbolic name given to the batch dimension.</summary>
    public const string Name = "batch";

    /// <summary>
    /// Rewrites <paramref name="model"/> in place: <paramref name="inputName"/>'s first dimension becomes symbolic,
    /// constant Reshape shapes starting with 1 keep the input's batch instead, stale intermediate shapes are dropped
    /// and output batch dimensions made symbolic. The shared shape constants are copied, never edited, so a
    /// constant also used elsewhere keeps its value there.
    /// </summary>
    /// <exception cref="InvalidDataException">The input does not exist, is not a tensor, or has no dimensions.</exception>
    public static BatchRewrite MakeDynamic(ModelProto model, string inputName)
    {
        var input = model.Graph.Input.FirstOrDefault(i => i.Name == inputName)
            ?? throw new InvalidDataException(
                $"Model has no input named '{inputName}'; its inputs are: {string.Join(", ", model.Graph.Input.Select(i => i.Name))}.");
        var shape = input.Type?.TensorType?.Shape;
        if (shape is null || shape.Dim.Count == 0)
        {
            throw new InvalidDataException($"Model input '{inputName}' has no declared shape, so it has no batch dimension to make dynamic.");
        }
        shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = Name };

        var constants = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var initializer in model.Graph.Initializer)
        {
            constants[initializer.Name] = initializer;
        }
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType == "Constant" && node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } value)
            {
                constants[node.Output[0]] = value;
            }
        }

        var rewritten = 0;
        var left = 0;
        var copies = new List<TensorProto>();
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType != "Reshape" || (node.Domain.Length > 0 && node.Domain != "ai.onnx"))
            {
                continue;
            }
            var allowZero = node.Attribute.FirstOrDefault(a => a.Name == "allowzero")?.I ?? 0;
            if (node.Input.Count < 2 || allowZero != 0 || !constants.TryGetValue(node.Input[1], out var target)
                || ReadInt64s(target) is not { Length: > 0 } dims || dims[0] != 1)
            {
                left++;
                continue;
            }
            dims[0] = 0;
            var copy = new TensorProto { Name = $"{node.Input[1]}__batch_{rewritten}", DataType = (int)TensorProto.Types.DataType.Int64 };
            copy.Dims.AddRange(target.Dims);
            copy.Int64Data.AddRange(dims);
            copies.Add(copy);
            node.Input[1] = copy.Name;
            rewritten++;
        }
        model.Graph.Initializer.AddRange(copies);

        // Shapes in the file were inferred for a batch of 1; ORT infers them again.
        model.Graph.ValueInfo.Clear();
        foreach (var output in model.Graph.Output)
        {
            var outputShape = output.Type?.TensorType?.Shape;
            if (outputShape is { Dim.Count: > 0 })
            {
                outputShape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = Name };
            }
        }
        return new BatchRewrite(inputName, rewritten, left);
    }

    /// <summary>An int64 tensor's values (from <c>int64_data</c> or little-endian <c>raw_data</c>); null for any other type.</summary>
    private static long[]? ReadInt64s(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            return null;
        }
        if (tensor.Int64Data.Count > 0)
        {
            return [.. tensor.Int64Data];
        }
        var raw = tensor.RawData ?? ByteString.Empty;
        if (raw.Length % sizeof(long) != 0)
        {
            return null;
        }
        var values = new long[raw.Length / sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(raw.Span.Slice(i * sizeof(long), sizeof(long)));
        }
        return values;
    }
}
