using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Tracking.DefaultModel;

/// <summary>
/// Writes EdgeTracker's own SiamFC-family model: two standard ONNX graphs (opset 17, CPU-runnable operators only —
/// Conv, Relu, Mul, Add, Sub, Div, Sqrt, Concat, AveragePool, ReduceSum, Tile, Floor, Clip, Cast, Gather, Slice) built from
/// <see cref="DefaultModelDesign"/>. Nothing is random or learned, and every weight is rounded to six decimals
/// before it becomes a float, so the same design gives the same bytes on any machine.
/// </summary>
/// <remarks>
/// Both graphs take a <c>mask</c> [1,1,31,31]: a weight per exemplar cell (the tracker gives the target's own
/// cells 1 and the context around it less), so the match is about the target, not the background that fills most
/// of the exemplar crop. The <b>exemplar</b> graph maps <c>template</c> [1,3,127,127] to <c>kernel</c> [1,C,31,31]:
/// m·(z − μ) / √(Σ m·(z − μ)²) with μ each channel's weighted mean. The <b>search</b> graph maps <c>search</c>
/// [S,3,255,255] (S scales), <c>kernel</c> and <c>mask</c> to <c>response</c> [S,1,33,33]: Σ kernel·x over each
/// window (a Conv whose weights are the kernel input) divided by √(Σc [Σ m·x² − (Σ m·x)²/Σ m]) (Convs with the
/// mask) — weighted zero-mean normalised cross-correlation, a correlation coefficient in [−1, 1].
/// </remarks>
public static class DefaultModelBuilder
{
    /// <summary>Opset of both graphs.</summary>
    public const int Opset = 17;

    /// <summary>The template graph's input name.</summary>
    public const string TemplateInput = "template";

    /// <summary>The search graph's image input name.</summary>
    public const string SearchInput = "search";

    /// <summary>The kernel: template graph output, search graph input.</summary>
    public const string Kernel = "kernel";

    /// <summary>The spatial weights [1,1,Pz,Pz] of the exemplar's cells: input of both graphs.</summary>
    public const string Mask = "mask";

    /// <summary>The search graph's colour lookup input [4096]: P(target | colour bin).</summary>
    public const string ColourTable = "colour_table";

    /// <summary>Entries of <see cref="ColourTable"/> (16 levels per channel).</summary>
    public const int ColourBins = 4096;

    /// <summary>The search graph's target-shaped window [1,1,Pz,Pz] (sums to 1) for the colour response.</summary>
    public const string TargetWindow = "target_window";

    /// <summary>The search graph's second output: the colour likelihood of a target-sized box at each position.</summary>
    public const string ColourResponse = "colour_response";

    /// <summary>The search graph's output name.</summary>
    public const string Response = "response";

    // ITU-R BT.601 luma in BGR order: the crop tensor's channel 0 is blue.
    private static readonly float[] Luma = [0.114f, 0.587f, 0.299f];

    /// <summary>The exemplar (template) graph.</summary>
    public static byte[] BuildTemplate(DefaultModelDesign design)
    {
        design.Validate();
        var z = design.ExemplarSize;
        var p = design.FeatureSize(z);
        var graph = new GraphProto { Name = "edgetracker_default_template" };
        graph.Input.Add(OnnxModels.Float(TemplateInput, 1, 3, z, z));
        graph.Input.Add(OnnxModels.Float(Mask, 1, 1, p, p));
        AddFeatures(graph, design, TemplateInput, "features");
        // Weighted channel means μ = Σ m·z / Σ m, then kernel = m·(z − μ) / √(Σ m·(z − μ)²).
        graph.Initializer.Add(OnnxModels.Int64Tensor("spatial_axes", [2], [2L, 3L]));
        graph.Initializer.Add(OnnxModels.Int64Tensor("all_axes", [3], [1L, 2L, 3L]));
        graph.Node.Add(OnnxModels.Node("Mul", ["features", Mask], ["masked"]));
        graph.Node.Add(OnnxModels.Node("ReduceSum", ["masked", "spatial_axes"], ["masked_sum"], OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("ReduceSum", [Mask, "spatial_axes"], ["mask_sum"], OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("Div", ["masked_sum", "mask_sum"], ["channel_mean"]));
        graph.Node.Add(OnnxModels.Node("Sub", ["features", "channel_mean"], ["centred"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["centred", Mask], ["weighted"]));
        graph.Node.Add(OnnxModels.Node("Mul", ["weighted", "centred"], ["weighted_sq"]));
        graph.Node.Add(OnnxModels.Node("ReduceSum", ["weighted_sq", "all_axes"], ["energy"], OnnxModels.Attr("keepdims", 1L)));
        graph.Initializer.Add(OnnxModels.Tensor("eps", [1], [design.Epsilon]));
        graph.Node.Add(OnnxModels.Node("Add", ["energy", "eps"], ["energy_eps"]));
        graph.Node.Add(OnnxModels.Node("Sqrt", ["energy_eps"], ["norm"]));
        graph.Node.Add(OnnxModels.Node("Div", ["weighted", "norm"], [Kernel]));
        graph.Output.Add(OnnxModels.Float(Kernel, 1, design.Channels, p, p));
        return Write(graph, "EdgeTracker default model, exemplar branch: fixed colour/intensity/orientation features, zero-mean unit-norm kernel.");
    }

    /// <summary>The search graph: batch of scales in, one normalised cross-correlation map per scale out.</summary>
    public static byte[] BuildSearch(DefaultModelDesign design)
    {
        design.Validate();
        var x = design.SearchSize;
        var pz = design.FeatureSize(design.ExemplarSize);
        var r = design.ResponseSize;
        var c = design.Channels;
        var graph = new GraphProto { Name = "edgetracker_default_search" };
        graph.Input.Add(OnnxModels.Float(SearchInput, -1, 3, x, x));
        graph.Input.Add(OnnxModels.Float(Kernel, 1, c, pz, pz));
        AddFeatures(graph, design, SearchInput, "features");

        graph.Input.Add(OnnxModels.Float(Mask, 1, 1, pz, pz));

        // Numerator: Σ m·(z − μz) = 0, so Σ kernel·x = Σ kernel·(x − μx): one Conv with the kernel as weights.
        graph.Node.Add(OnnxModels.Node("Conv", ["features", Kernel], ["correlation"]));

        // Denominator: √(Σc [Σ m·x² − (Σ m·x)² / Σ m]) per window — the weighted energy about the weighted mean.
        graph.Initializer.Add(OnnxModels.Tensor("channel_ones", [1, c, 1, 1], Enumerable.Repeat(1f, c).ToArray()));
        graph.Node.Add(OnnxModels.Node("Mul", ["features", "features"], ["features_sq"]));
        graph.Node.Add(OnnxModels.Node("Conv", ["features_sq", "channel_ones"], ["energy_sum_c"]));
        graph.Node.Add(OnnxModels.Node("Conv", ["energy_sum_c", Mask], ["weighted_sq_sum"]));
        // Per-channel weighted sums: a depthwise Conv with the mask repeated for every channel.
        graph.Initializer.Add(OnnxModels.Int64Tensor("mask_repeats", [4], [(long)c, 1L, 1L, 1L]));
        graph.Node.Add(OnnxModels.Node("Tile", [Mask, "mask_repeats"], ["mask_per_channel"]));
        graph.Node.Add(OnnxModels.Node("Conv", ["features", "mask_per_channel"], ["weighted_sum"], OnnxModels.Attr("group", (long)c)));
        graph.Node.Add(OnnxModels.Node("Mul", ["weighted_sum", "weighted_sum"], ["weighted_sum_sq"]));
        graph.Node.Add(OnnxModels.Node("Conv", ["weighted_sum_sq", "channel_ones"], ["weighted_sum_sq_c"]));
        graph.Initializer.Add(OnnxModels.Int64Tensor("all_axes", [4], [0L, 1L, 2L, 3L]));
        graph.Node.Add(OnnxModels.Node("ReduceSum", [Mask, "all_axes"], ["mask_sum"], OnnxModels.Attr("keepdims", 1L)));
        graph.Node.Add(OnnxModels.Node("Div", ["weighted_sum_sq_c", "mask_sum"], ["mean_energy"]));
        graph.Node.Add(OnnxModels.Node("Sub", ["weighted_sq_sum", "mean_energy"], ["energy"]));
        // Rounding can make a flat window's energy slightly negative: clamp before the root.
        graph.Node.Add(OnnxModels.Node("Relu", ["energy"], ["energy_pos"]));
        graph.Initializer.Add(OnnxModels.Tensor("eps", [1], [design.Epsilon]));
        graph.Node.Add(OnnxModels.Node("Add", ["energy_pos", "eps"], ["energy_eps"]));
        graph.Node.Add(OnnxModels.Node("Sqrt", ["energy_eps"], ["deviation"]));
        graph.Node.Add(OnnxModels.Node("Div", ["correlation", "deviation"], [Response]));
        graph.Output.Add(OnnxModels.Float(Response, -1, 1, r, r));
        AddColourResponse(graph, design, pz);
        return Write(graph, "EdgeTracker default model, search branch: fixed features, zero-mean normalised cross-correlation with the kernel.");
    }

    /// <summary>Crop (BGR, 0–255) → pooled feature map: intensity, opponent colours, rectified orientations.</summary>
    private static void AddFeatures(GraphProto graph, DefaultModelDesign design, string image, string output)
    {
        var prefix = image + "_";
        // Colour: the centre tap of a 3×3 valid Conv, so colour and gradient channels cover the same pixels.
        var colour = new float[3 * 3 * 3 * 3];
        for (var ch = 0; ch < 3; ch++)
        {
            colour[(0 * 3 + ch) * 9 + 4] = Round(design.IntensityWeight * Luma[ch] / 255f);
        }
        // Red − green and (red + green)/2 − blue, in BGR channel order, scaled to about ±1.
        float[] redGreen = [0f, -1f, 1f];
        float[] yellowBlue = [-1f, 0.5f, 0.5f];
        for (var ch = 0; ch < 3; ch++)
        {
            colour[(1 * 3 + ch) * 9 + 4] = Round(design.ColorWeight * redGreen[ch] / 255f);
            colour[(2 * 3 + ch) * 9 + 4] = Round(design.ColorWeight * yellowBlue[ch] / 255f);
        }
        graph.Initializer.Add(OnnxModels.Tensor(prefix + "colour_w", [3, 3, 3, 3], colour));
        graph.Node.Add(OnnxModels.Node("Conv", [image, prefix + "colour_w"], [prefix + "colour"], OnnxModels.Attr("kernel_shape", [3L, 3L])));

        // Gradient of the intensity: Sobel / 8 (a unit step gives 1 per pixel... of intensity in 0..1).
        float[] sobelX = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
        float[] sobelY = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
        var gradient = new float[2 * 3 * 9];
        for (var ch = 0; ch < 3; ch++)
        {
            for (var t = 0; t < 9; t++)
            {
                gradient[(0 * 3 + ch) * 9 + t] = Round(sobelX[t] / 8f * Luma[ch] / 255f);
                gradient[(1 * 3 + ch) * 9 + t] = Round(sobelY[t] / 8f * Luma[ch] / 255f);
            }
        }
        graph.Initializer.Add(OnnxModels.Tensor(prefix + "gradient_w", [2, 3, 3, 3], gradient));
        graph.Node.Add(OnnxModels.Node("Conv", [image, prefix + "gradient_w"], [prefix + "gradient"], OnnxModels.Attr("kernel_shape", [3L, 3L])));

        // Magnitude √(gx² + gy² + ε) via a 1×1 Conv summing the two squares.
        graph.Node.Add(OnnxModels.Node("Mul", [prefix + "gradient", prefix + "gradient"], [prefix + "gradient_sq"]));
        graph.Initializer.Add(OnnxModels.Tensor(prefix + "sum2_w", [1, 2, 1, 1], [1f, 1f]));
        graph.Node.Add(OnnxModels.Node("Conv", [prefix + "gradient_sq", prefix + "sum2_w"], [prefix + "magnitude_sq"]));
        graph.Initializer.Add(OnnxModels.Tensor(prefix + "grad_eps", [1], [1e-8f]));
        graph.Node.Add(OnnxModels.Node("Add", [prefix + "magnitude_sq", prefix + "grad_eps"], [prefix + "magnitude_sq_eps"]));
        graph.Node.Add(OnnxModels.Node("Sqrt", [prefix + "magnitude_sq_eps"], [prefix + "magnitude"]));

        // Orientation k: relu(w·(cos θk·gx + sin θk·gy − t·|g|)) as one 1×1 Conv over [gx, gy, |g|].
        graph.Node.Add(OnnxModels.Node("Concat", [prefix + "gradient", prefix + "magnitude"], [prefix + "gradient_mag"], OnnxModels.Attr("axis", 1L)));
        var k = design.Orientations;
        var orientation = new float[k * 3];
        for (var i = 0; i < k; i++)
        {
            var angle = 2 * Math.PI * i / k;
            orientation[i * 3] = Round(design.OrientationWeight * Math.Cos(angle));
            orientation[i * 3 + 1] = Round(design.OrientationWeight * Math.Sin(angle));
            orientation[i * 3 + 2] = Round(-design.OrientationWeight * design.OrientationThreshold);
        }
        graph.Initializer.Add(OnnxModels.Tensor(prefix + "orientation_w", [k, 3, 1, 1], orientation));
        graph.Node.Add(OnnxModels.Node("Conv", [prefix + "gradient_mag", prefix + "orientation_w"], [prefix + "projection"]));
        graph.Node.Add(OnnxModels.Node("Relu", [prefix + "projection"], [prefix + "orientation"]));

        // HOG-style cells: average each channel over Cell² pixels, stride Cell.
        graph.Node.Add(OnnxModels.Node("Concat", [prefix + "colour", prefix + "orientation"], [prefix + "pixel_features"], OnnxModels.Attr("axis", 1L)));
        graph.Node.Add(OnnxModels.Node("AveragePool", [prefix + "pixel_features"], [output],
            OnnxModels.Attr("kernel_shape", [(long)design.Cell, design.Cell]), OnnxModels.Attr("strides", [(long)design.Cell, design.Cell])));
    }

    /// <summary>
    /// The colour branch (Staple's per-pixel colour likelihood): each pixel's colour bin b·256 + g·16 + r (16 levels a
    /// channel) looks up P(target | colour) in the <c>colour_table</c> input, the likelihoods are averaged over the
    /// same cells as the features, and a Conv with <c>target_window</c> (the target's shape, summing to 1) gives the
    /// mean likelihood of a target-sized box at every response position: <c>colour_response</c> [S,1,R,R] in [0, 1].
    /// </summary>
    private static void AddColourResponse(GraphProto graph, DefaultModelDesign design, int pz)
    {
        var r = design.ResponseSize;
        graph.Input.Add(OnnxModels.Float(ColourTable, ColourBins));
        graph.Input.Add(OnnxModels.Float(TargetWindow, 1, 1, pz, pz));
        graph.Initializer.Add(OnnxModels.Tensor("level_width", [1], [16f]));
        graph.Node.Add(OnnxModels.Node("Div", [SearchInput, "level_width"], ["levels_frac"]));
        graph.Node.Add(OnnxModels.Node("Floor", ["levels_frac"], ["levels_raw"]));
        // Values outside 0–255 (another normalisation, a bad input) must not index outside the table.
        graph.Initializer.Add(OnnxModels.Tensor("level_min", [], [0f]));
        graph.Initializer.Add(OnnxModels.Tensor("level_max", [], [15f]));
        graph.Node.Add(OnnxModels.Node("Clip", ["levels_raw", "level_min", "level_max"], ["levels"]));
        // BGR planes: index = b·256 + g·16 + r, as a 1×1 Conv.
        graph.Initializer.Add(OnnxModels.Tensor("bin_w", [1, 3, 1, 1], [256f, 16f, 1f]));
        graph.Node.Add(OnnxModels.Node("Conv", ["levels", "bin_w"], ["bin_float"]));
        graph.Node.Add(OnnxModels.Node("Cast", ["bin_float"], ["bin"], OnnxModels.Attr("to", (long)TensorProto.Types.DataType.Int64)));
        graph.Node.Add(OnnxModels.Node("Gather", [ColourTable, "bin"], ["likelihood"], OnnxModels.Attr("axis", 0L)));
        // Same pixels as the features (3×3 valid filtering drops one pixel each side), then the same cells.
        graph.Initializer.Add(OnnxModels.Int64Tensor("valid_starts", [2], [1L, 1L]));
        // Ends counted from the end (−1), so a wider search crop (the lost-target search) slices the same way.
        graph.Initializer.Add(OnnxModels.Int64Tensor("valid_ends", [2], [-1L, -1L]));
        graph.Initializer.Add(OnnxModels.Int64Tensor("valid_axes", [2], [2L, 3L]));
        graph.Node.Add(OnnxModels.Node("Slice", ["likelihood", "valid_starts", "valid_ends", "valid_axes"], ["likelihood_valid"]));
        graph.Node.Add(OnnxModels.Node("AveragePool", ["likelihood_valid"], ["likelihood_cells"],
            OnnxModels.Attr("kernel_shape", [(long)design.Cell, design.Cell]), OnnxModels.Attr("strides", [(long)design.Cell, design.Cell])));
        graph.Node.Add(OnnxModels.Node("Conv", ["likelihood_cells", TargetWindow], [ColourResponse]));
        graph.Output.Add(OnnxModels.Float(ColourResponse, -1, 1, r, r));
    }

    private static byte[] Write(GraphProto graph, string description)
    {
        graph.DocString = description;
        var model = OnnxModels.Model(graph, Opset, irVersion: 8, producer: "edgetracker models build-default");
        model.ProducerVersion = "1";
        return OnnxModels.Write(model);
    }

    /// <summary>Rounds to six decimals so libm differences between machines cannot change a weight's bits.</summary>
    private static float Round(double value) => (float)Math.Round(value, 6, MidpointRounding.ToEven);
}
