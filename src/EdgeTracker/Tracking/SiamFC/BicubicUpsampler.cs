namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// Upsamples a square response map by an integer factor with bicubic interpolation, as SiamFC does with
/// OpenCV's <c>INTER_CUBIC</c> (Keys kernel with a = −0.75, pixel-centre alignment, borders replicated), so the
/// peak is found at sub-stride resolution. The taps are computed once for a map size; <see cref="Upsample"/>
/// allocates nothing.
/// </summary>
public sealed class BicubicUpsampler
{
    /// <summary>OpenCV's cubic coefficient (Keys' a).</summary>
    public const float KeysA = -0.75f;

    private readonly int[] _index;   // 4 source indices per output index (clamped to the map)
    private readonly float[] _weight; // 4 weights per output index
    private readonly float[] _rows;   // horizontal pass: inputSize rows × outputSize

    /// <summary>Prepares the taps for an <paramref name="inputSize"/>² map upsampled <paramref name="factor"/> times.</summary>
    public BicubicUpsampler(int inputSize, int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        InputSize = inputSize;
        Factor = factor;
        OutputSize = inputSize * factor;
        _index = new int[OutputSize * 4];
        _weight = new float[OutputSize * 4];
        _rows = new float[inputSize * OutputSize];
        Span<float> w = stackalloc float[4];
        for (var o = 0; o < OutputSize; o++)
        {
            // Pixel centres line up: output o samples input (o + 0.5)/factor − 0.5.
            var source = (o + 0.5) / factor - 0.5;
            var floor = (int)Math.Floor(source);
            var t = (float)(source - floor);
            CubicWeights(t, w);
            for (var k = 0; k < 4; k++)
            {
                _index[o * 4 + k] = Math.Clamp(floor - 1 + k, 0, inputSize - 1);
                _weight[o * 4 + k] = w[k];
            }
        }
    }

    /// <summary>The side of the input map.</summary>
    public int InputSize { get; }

    /// <summary>The upsampling factor.</summary>
    public int Factor { get; }

    /// <summary>The side of the output map (<see cref="InputSize"/> × <see cref="Factor"/>).</summary>
    public int OutputSize { get; }

    /// <summary>
    /// The four Keys weights for the samples at distances 1+t, t, 1−t, 2−t from the interpolated point.
    /// </summary>
    public static void CubicWeights(float t, Span<float> weights)
    {
        const float a = KeysA;
        weights[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
        weights[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
        weights[2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
        weights[3] = 1f - weights[0] - weights[1] - weights[2];
    }

    /// <summary>Upsamples <paramref name="input"/> (InputSize², row-major) into <paramref name="output"/> (OutputSize²).</summary>
    public void Upsample(ReadOnlySpan<float> input, Span<float> output)
    {
        var n = InputSize;
        var m = OutputSize;
        if (input.Length < n * n)
        {
            throw new ArgumentException($"The response map has {input.Length} values; {n}×{n} expected.", nameof(input));
        }
        if (output.Length < m * m)
        {
            throw new ArgumentException($"The output holds {output.Length} values; {m}×{m} needed.", nameof(output));
        }
        var index = _index;
        var weight = _weight;
        var rows = _rows.AsSpan();
        // Horizontal pass: each input row → OutputSize values.
        for (var y = 0; y < n; y++)
        {
            var src = input.Slice(y * n, n);
            var dst = rows.Slice(y * m, m);
            for (var o = 0; o < m; o++)
            {
                var b = o * 4;
                dst[o] = weight[b] * src[index[b]] + weight[b + 1] * src[index[b + 1]]
                    + weight[b + 2] * src[index[b + 2]] + weight[b + 3] * src[index[b + 3]];
            }
        }
        // Vertical pass: blend four horizontally-upsampled rows per output row.
        for (var o = 0; o < m; o++)
        {
            var b = o * 4;
            var r0 = rows.Slice(index[b] * m, m);
            var r1 = rows.Slice(index[b + 1] * m, m);
            var r2 = rows.Slice(index[b + 2] * m, m);
            var r3 = rows.Slice(index[b + 3] * m, m);
            float w0 = weight[b], w1 = weight[b + 1], w2 = weight[b + 2], w3 = weight[b + 3];
            var dst = output.Slice(o * m, m);
            for (var x = 0; x < m; x++)
            {
                dst[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
            }
        }
    }
}
