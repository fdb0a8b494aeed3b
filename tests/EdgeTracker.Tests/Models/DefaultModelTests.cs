using EdgeTracker.Inference;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking.DefaultModel;
using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tests.Models;

/// <summary>Our own model: the graphs compute what the design says, and rebuilding gives the committed bytes.</summary>
[Collection(OrtCollection.Name)]
public sealed class DefaultModelTests
{
    private static readonly InferenceOptions Cpu = new() { Providers = ["cpu"], IntraOpThreads = 1 };

    /// <summary>A smooth random scene with edges and colour, so every feature channel is exercised.</summary>
    private static float[] Scene(int size, int seed, int shift = 0)
    {
        var random = new Random(seed);
        var crop = new float[3 * size * size];
        var blobs = Enumerable.Range(0, 12).Select(_ => (X: random.Next(size), Y: random.Next(size), R: 6 + random.Next(30),
            B: random.Next(256), G: random.Next(256), Rd: random.Next(256))).ToArray();
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                float b = 90, g = 110, r = 100;
                foreach (var blob in blobs)
                {
                    var dx = x - shift - blob.X;
                    var dy = y - shift - blob.Y;
                    if (dx * dx + dy * dy < blob.R * blob.R)
                    {
                        (b, g, r) = (blob.B, blob.G, blob.Rd);
                    }
                }
                crop[y * size + x] = b + random.Next(5);
                crop[size * size + y * size + x] = g + random.Next(5);
                crop[2 * size * size + y * size + x] = r + random.Next(5);
            }
        }
        return crop;
    }

    [Fact]
    public void The_graphs_compute_the_designed_features_and_normalised_cross_correlation()
    {
        var design = new DefaultModelDesign();
        int z = design.ExemplarSize, x = design.SearchSize, pz = design.FeatureSize(z), px = design.FeatureSize(x), r = design.ResponseSize;
        Assert.Equal((15, 31, 17), (pz, px, r));
        using var options = OrtSessionOptions.Create(Cpu);
        using var template = InferenceSession.FromBytes(DefaultModelBuilder.BuildTemplate(design), options, "template.onnx");
        using var search = InferenceSession.FromBytes(DefaultModelBuilder.BuildSearch(design), options, "search.onnx");
        using var templateIn = new OrtTensor<float>(1, 3, z, z);
        using var kernel = new OrtTensor<float>(1, design.Channels, pz, pz);
        using var searchIn = new OrtTensor<float>(2, 3, x, x);
        using var response = new OrtTensor<float>(2, 1, r, r);
        using var mask = new OrtTensor<float>(1, 1, pz, pz);
        using var table = new OrtTensor<float>(DefaultModelBuilder.ColourBins);
        using var window = new OrtTensor<float>(1, 1, pz, pz);
        using var colour = new OrtTensor<float>(2, 1, r, r);
        using var runTemplate = template.Bind([("template", templateIn), ("mask", mask)], [("kernel", kernel)]);
        using var runSearch = search.Bind(
            [("search", searchIn), ("kernel", kernel), ("mask", mask), ("colour_table", table), ("target_window", window)],
            [("response", response), ("colour_response", colour)]);

        // A 40×70-pixel target in the exemplar, context weighing 0.3; a colour table and target window at random.
        SiamFcTracker.TargetMask(mask.Span, pz, z, design.Cell, 40, 70, 0.3f);
        var weights = mask.Span.ToArray();
        var random = new Random(11);
        foreach (ref var v in table.Span) v = (float)random.NextDouble();
        foreach (ref var v in window.Span) v = (float)random.NextDouble() / (pz * pz);
        var tableValues = table.Span.ToArray();
        var windowValues = window.Span.ToArray();
        Assert.Equal(1f, weights[7 * pz + 7]);
        Assert.Equal(0.3f, weights[0], 6);
        var exemplar = Scene(z, 1);
        exemplar.CopyTo(templateIn.Span);
        runTemplate.Run();
        var expectedKernel = DefaultModelReference.Kernel(DefaultModelReference.Features(exemplar, z, design), design.Channels, pz, weights);
        for (var i = 0; i < expectedKernel.Length; i++)
        {
            Assert.True(Math.Abs(expectedKernel[i] - kernel.Span[i]) < 2e-5, $"kernel[{i}]: expected {expectedKernel[i]}, got {kernel.Span[i]}");
        }

        var scenes = new[] { Scene(x, 2), Scene(x, 3) };
        scenes[0].CopyTo(searchIn.Span);
        scenes[1].CopyTo(searchIn.Span[(3 * x * x)..]);
        runSearch.Run();
        for (var s = 0; s < 2; s++)
        {
            var expected = DefaultModelReference.Response(DefaultModelReference.Features(scenes[s], x, design), px, expectedKernel, pz, design.Channels, weights);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - response.Span[s * r * r + i]) < 2e-3, $"response[{s}, {i}]: expected {expected[i]}, got {response.Span[s * r * r + i]}");
            }
            var expectedColour = DefaultModelReference.ColourResponse(scenes[s], x, tableValues, windowValues, design);
            for (var i = 0; i < expectedColour.Length; i++)
            {
                Assert.True(Math.Abs(expectedColour[i] - colour.Span[s * r * r + i]) < 1e-4, $"colour[{s}, {i}]: expected {expectedColour[i]}, got {colour.Span[s * r * r + i]}");
            }
        }
    }

    [Fact]
    public void The_exemplar_found_inside_a_search_crop_correlates_at_one_where_it_was_placed()
    {
        var design = new DefaultModelDesign();
        int z = design.ExemplarSize, x = design.SearchSize, pz = design.FeatureSize(z), r = design.ResponseSize;
        using var options = OrtSessionOptions.Create(Cpu);
        using var template = InferenceSession.FromBytes(DefaultModelBuilder.BuildTemplate(design), options, "template.onnx");
        using var search = InferenceSession.FromBytes(DefaultModelBuilder.BuildSearch(design), options, "search.onnx");
        using var templateIn = new OrtTensor<float>(1, 3, z, z);
        using var kernel = new OrtTensor<float>(1, design.Channels, pz, pz);
        using var searchIn = new OrtTensor<float>(1, 3, x, x);
        using var response = new OrtTensor<float>(1, 1, r, r);
        using var mask = new OrtTensor<float>(1, 1, pz, pz);
        using var table = new OrtTensor<float>(DefaultModelBuilder.ColourBins);
        using var window = new OrtTensor<float>(1, 1, pz, pz);
        using var colour = new OrtTensor<float>(1, 1, r, r);
        SiamFcTracker.TargetMask(mask.Span, pz, z, design.Cell, 50, 50, 0.3f);
        using var runTemplate = template.Bind([("template", templateIn), ("mask", mask)], [("kernel", kernel)]);
        using var runSearch = search.Bind(
            [("search", searchIn), ("kernel", kernel), ("mask", mask), ("colour_table", table), ("target_window", window)],
            [("response", response), ("colour_response", colour)]);

        // Cut the exemplar out of the search scene at (8·5, 8·9): the correlation must peak at 1 in cell (5, 9).
        var scene = Scene(x, 7);
        for (var ch = 0; ch < 3; ch++)
        {
            for (var y = 0; y < z; y++)
            {
                scene.AsSpan(ch * x * x + (y + 9 * design.Cell) * x + 5 * design.Cell, z).CopyTo(templateIn.Span.Slice(ch * z * z + y * z, z));
            }
        }
        runTemplate.Run();
        scene.CopyTo(searchIn.Span);
        runSearch.Run();
        var best = 0;
        for (var i = 1; i < r * r; i++)
        {
            if (response.Span[i] > response.Span[best]) best = i;
        }
        Assert.Equal((5, 9), (best % r, best / r));
        Assert.Equal(1f, response.Span[best], 3);
        Assert.All(response.Span.ToArray(), v => Assert.InRange(v, -1.001f, 1.001f));
    }

    [Fact]
    public void Building_twice_gives_identical_bytes_equal_to_the_committed_files()
    {
        var design = new DefaultModelDesign();
        Assert.Equal(DefaultModelBuilder.BuildTemplate(design), DefaultModelBuilder.BuildTemplate(design));
        Assert.Equal(DefaultModelBuilder.BuildSearch(design), DefaultModelBuilder.BuildSearch(design));
        var files = DefaultModelFiles.Build();
        foreach (var (name, bytes) in files)
        {
            var committed = Path.Combine(TestData.RepoRoot, "models", name);
            Assert.True(File.Exists(committed), $"models/{name} is missing: run 'edgetracker models build-default'.");
            Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(bytes),
                $"models/{name} differs from what 'edgetracker models build-default' writes: rebuild and commit it.");
        }
    }
}
