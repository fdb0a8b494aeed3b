using EdgeTracker.Tracking.DefaultModel;

namespace EdgeTracker.Tests.Models;

/// <summary>
/// The default model's computation written out plainly (loops, doubles), from the design's description rather
/// than from the graph: the oracle the ONNX graphs are held to.
/// </summary>
internal static class DefaultModelReference
{
    /// <summary>Features [C, P, P] of one BGR crop [3, S, S] (0–255, planar).</summary>
    public static double[] Features(ReadOnlySpan<float> crop, int size, DefaultModelDesign d)
    {
        var valid = size - 2;
        var channels = d.Channels;
        var cell = d.Cell;
        var p = d.FeatureSize(size);
        var plane = size * size;
        var pixels = new double[channels * valid * valid];
        var c = crop.ToArray();
        double Gray(int y, int x)
        {
            var i = y * size + x;
            return (0.114 * c[i] + 0.587 * c[plane + i] + 0.299 * c[2 * plane + i]) / 255;
        }
        for (var y = 0; y < valid; y++)
        {
            for (var x = 0; x < valid; x++)
            {
                int cy = y + 1, cx = x + 1, i = cy * size + cx, o = y * valid + x, vv = valid * valid;
                double b = c[i], g = c[plane + i], r = c[2 * plane + i];
                pixels[o] = d.IntensityWeight * (0.114 * b + 0.587 * g + 0.299 * r) / 255;
                pixels[vv + o] = d.ColorWeight * (r - g) / 255;
                pixels[2 * vv + o] = d.ColorWeight * ((r + g) / 2 - b) / 255;
                var gx = (Gray(cy - 1, cx + 1) + 2 * Gray(cy, cx + 1) + Gray(cy + 1, cx + 1)
                    - Gray(cy - 1, cx - 1) - 2 * Gray(cy, cx - 1) - Gray(cy + 1, cx - 1)) / 8;
                var gy = (Gray(cy + 1, cx - 1) + 2 * Gray(cy + 1, cx) + Gray(cy + 1, cx + 1)
                    - Gray(cy - 1, cx - 1) - 2 * Gray(cy - 1, cx) - Gray(cy - 1, cx + 1)) / 8;
                var magnitude = Math.Sqrt(gx * gx + gy * gy + 1e-8);
                for (var k = 0; k < d.Orientations; k++)
                {
                    var angle = 2 * Math.PI * k / d.Orientations;
                    var projection = Math.Cos(angle) * gx + Math.Sin(angle) * gy - d.OrientationThreshold * magnitude;
                    pixels[(3 + k) * vv + o] = d.OrientationWeight * Math.Max(0, projection);
                }
            }
        }
        var pooled = new double[channels * p * p];
        for (var ch = 0; ch < channels; ch++)
        {
            for (var py = 0; py < p; py++)
            {
                for (var px = 0; px < p; px++)
                {
                    var sum = 0.0;
                    for (var yy = 0; yy < cell; yy++)
                    {
                        for (var xx = 0; xx < cell; xx++)
                        {
                            sum += pixels[ch * valid * valid + (py * cell + yy) * valid + px * cell + xx];
                        }
                    }
                    pooled[ch * p * p + py * p + px] = sum / (cell * cell);
                }
            }
        }
        return pooled;
    }

    /// <summary>The kernel m·(z − μ)/√(Σ m·(z − μ)²), μ each channel's m-weighted mean.</summary>
    public static double[] Kernel(double[] features, int channels, int p, float[] mask)
    {
        var n = p * p;
        var kernel = new double[features.Length];
        var maskSum = mask.Sum(m => (double)m);
        var energy = 0.0;
        for (var ch = 0; ch < channels; ch++)
        {
            var mean = 0.0;
            for (var i = 0; i < n; i++) mean += mask[i] * features[ch * n + i];
            mean /= maskSum;
            for (var i = 0; i < n; i++)
            {
                var centred = features[ch * n + i] - mean;
                kernel[ch * n + i] = mask[i] * centred;
                energy += mask[i] * centred * centred;
            }
        }
        var norm = Math.Sqrt(energy + 1e-6);
        for (var i = 0; i < kernel.Length; i++) kernel[i] /= norm;
        return kernel;
    }

    /// <summary>The weighted normalised cross-correlation [R, R] of search features [C, Px, Px] with a kernel [C, Pz, Pz].</summary>
    public static double[] Response(double[] search, int px, double[] kernel, int pz, int channels, float[] mask)
    {
        var r = px - pz + 1;
        var maskSum = mask.Sum(m => (double)m);
        var response = new double[r * r];
        for (var v = 0; v < r; v++)
        {
            for (var u = 0; u < r; u++)
            {
                double dot = 0, energy = 0;
                for (var ch = 0; ch < channels; ch++)
                {
                    double sum = 0, sumSq = 0;
                    for (var i = 0; i < pz; i++)
                    {
                        for (var j = 0; j < pz; j++)
                        {
                            var x = search[ch * px * px + (v + i) * px + u + j];
                            var m = mask[i * pz + j];
                            dot += kernel[ch * pz * pz + i * pz + j] * x;
                            sum += m * x;
                            sumSq += m * x * x;
                        }
                    }
                    energy += sumSq - sum * sum / maskSum;
                }
                response[v * r + u] = dot / Math.Sqrt(Math.Max(0, energy) + 1e-6);
            }
        }
        return response;
    }

    /// <summary>
    /// The colour response [R, R]: each pixel's P(target | colour) from the table (bin b/16·256 + g/16·16 + r/16),
    /// averaged over the feature cells, then the window-weighted sum at every response position.
    /// </summary>
    public static double[] ColourResponse(ReadOnlySpan<float> crop, int size, float[] table, float[] window, DefaultModelDesign d)
    {
        var plane = size * size;
        var cell = d.Cell;
        var p = d.FeatureSize(size);
        var pz = (int)Math.Sqrt(window.Length);
        var r = p - pz + 1;
        var cells = new double[p * p];
        for (var py = 0; py < p; py++)
        {
            for (var px = 0; px < p; px++)
            {
                var sum = 0.0;
                for (var yy = 0; yy < cell; yy++)
                {
                    for (var xx = 0; xx < cell; xx++)
                    {
                        var i = (1 + py * cell + yy) * size + 1 + px * cell + xx;
                        static int Level(float v) => Math.Clamp((int)Math.Floor(v / 16f), 0, 15);
                        var bin = Level(crop[i]) * 256 + Level(crop[plane + i]) * 16 + Level(crop[2 * plane + i]);
                        sum += table[bin];
                    }
                }
                cells[py * p + px] = sum / (cell * cell);
            }
        }
        var response = new double[r * r];
        for (var v = 0; v < r; v++)
        {
            for (var u = 0; u < r; u++)
            {
                var sum = 0.0;
                for (var i = 0; i < pz; i++)
                {
                    for (var j = 0; j < pz; j++)
                    {
                        sum += window[i * pz + j] * cells[(v + i) * p + u + j];
                    }
                }
                response[v * r + u] = sum;
            }
        }
        return response;
    }
}
