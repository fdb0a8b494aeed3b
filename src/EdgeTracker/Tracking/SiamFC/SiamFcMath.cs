namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// SiamFC's geometry (Bertinetto et al., 2016, and the authors' reference code): the exemplar's context, the
/// search region around it, the scale pyramid.
/// </summary>
public static class SiamFcMath
{
    /// <summary>
    /// The side of the square exemplar region in frame pixels: the target with a margin p = context·(w+h)
    /// on each axis, s = √((w+p)(h+p)). With the paper's context 0.5, p = (w+h)/4 on each side.
    /// </summary>
    public static float ExemplarSide(float width, float height, float contextAmount)
    {
        var context = contextAmount * (width + height);
        return MathF.Sqrt((width + context) * (height + context));
    }

    /// <summary>The search region's side: the exemplar side scaled like the crop sizes (255/127 in the paper).</summary>
    public static float SearchSide(float exemplarSide, int exemplarSize, int searchSize) =>
        exemplarSide * searchSize / exemplarSize;

    /// <summary>
    /// The scale pyramid: step^k for k = −(n/2) … n/2, e.g. 1.0375^{-1,0,1} for three scales.
    /// </summary>
    public static void ScaleFactors(int count, float step, Span<float> factors)
    {
        if (count < 1 || count % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "The number of scales must be odd and positive (e.g. 3 or 5).");
        }
        if (!(step > 1f) || !float.IsFinite(step))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The scale step must be a finite number above 1.");
        }
        var half = count / 2;
        for (var i = 0; i < count; i++)
        {
            factors[i] = MathF.Pow(step, i - half);
        }
    }
}

/// <summary>What <see cref="SiamFcResponse.Locate"/> found: the winning scale and the displacement of the target.</summary>
/// <param name="ScaleIndex">Which scale of the pyramid won.</param>
/// <param name="DisplacementX">Horizontal motion of the target's centre in frame pixels.</param>
/// <param name="DisplacementY">Vertical motion of the target's centre in frame pixels.</param>
/// <param name="PeakResponse">The winning scale's raw (un-normalised, un-windowed) response at the chosen position.</param>
/// <param name="PeakX">Chosen column in the upsampled map.</param>
/// <param name="PeakY">Chosen row in the upsampled map.</param>
public readonly record struct SiamFcPeak(int ScaleIndex, float DisplacementX, float DisplacementY, float PeakResponse, int PeakX, int PeakY);

/// <summary>
/// SiamFC's response processing for one frame: upsample each scale's map (bicubic), penalise the scale changes,
/// pick the scale with the highest peak, normalise its map to a distribution, blend in the cosine window, take
/// the arg-max and turn it into a displacement in the frame. Buffers are made once; <see cref="Locate"/> does
/// not allocate.
/// </summary>
public sealed class SiamFcResponse
{
    private readonly BicubicUpsampler _upsampler;
    private readonly float[] _window;
    private readonly float[][] _upsampled;
    private readonly float[] _raw;

    /// <param name="responseSize">Side of the network's response map (17 for SiamFC AlexNet).</param>
    /// <param name="upsampleFactor">Bicubic upsampling factor (16 in the paper).</param>
    /// <param name="scaleCount">Scales searched per frame (3 or 5).</param>
    /// <param name="totalStride">Network stride: one response cell in search-crop pixels (8 for SiamFC).</param>
    public SiamFcResponse(int responseSize, int upsampleFactor, int scaleCount, int totalStride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scaleCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalStride);
        _upsampler = new BicubicUpsampler(responseSize, upsampleFactor);
        _window = ScoreWindows.Hanning2D(_upsampler.OutputSize, normalizeSum: true);
        _upsampled = new float[scaleCount][];
        for (var i = 0; i < scaleCount; i++)
        {
            _upsampled[i] = new float[_upsampler.OutputSize * _upsampler.OutputSize];
        }
        _raw = new float[_upsampler.OutputSize * _upsampler.OutputSize];
        ScaleCount = scaleCount;
        TotalStride = totalStride;
    }

    /// <summary>Scales per frame.</summary>
    public int ScaleCount { get; }

    /// <summary>Network stride in search-crop pixels.</summary>
    public int TotalStride { get; }

    /// <summary>Side of the upsampled map.</summary>
    public int UpsampledSize => _upsampler.OutputSize;

    /// <summary>The normalised cosine window (sums to 1) over the upsampled map.</summary>
    public ReadOnlySpan<float> Window => _window;

    /// <summary>
    /// Finds the target.
    /// </summary>
    /// <param name="responses">ScaleCount maps of responseSize², scale-major, as the network outputs them.</param>
    /// <param name="scaleFactors">The pyramid's factors (the middle one is 1).</param>
    /// <param name="searchSide">The current search region's side in frame pixels at scale 1.</param>
    /// <param name="searchSize">The search crop's side in network pixels (255).</param>
    /// <param name="scalePenalty">Factor (&lt; 1) applied to every scale but the middle one.</param>
    /// <param name="windowInfluence">Weight of the cosine window in the final map.</param>
    public SiamFcPeak Locate(ReadOnlySpan<float> responses, ReadOnlySpan<float> scaleFactors, float searchSide,
        int searchSize, float scalePenalty, float windowInfluence)
    {
        var n = _upsampler.InputSize;
        var m = _upsampler.OutputSize;
        if (responses.Length < ScaleCount * n * n)
        {
            throw new ArgumentException($"Expected {ScaleCount} response maps of {n}×{n}; got {responses.Length} values.", nameof(responses));
        }
        var middle = ScaleCount / 2;
        var bestScale = middle;
        var bestPeak = float.NegativeInfinity;
        for (var s = 0; s < ScaleCount; s++)
        {
            var map = _upsampled[s].AsSpan();
            _upsampler.Upsample(responses.Slice(s * n * n, n * n), map);
            var penalty = s == middle ? 1f : scalePenalty;
            var peak = Max(map) * penalty;
            // Ties keep the earlier winner; the middle scale is visited in order, as np.argmax would.
            if (peak > bestPeak)
            {
                bestPeak = peak;
                bestScale = s;
            }
        }

        var chosen = _upsampled[bestScale].AsSpan();
        var raw = _raw.AsSpan();
        chosen.CopyTo(raw);
        NormalizeToDistribution(chosen);
        var bestIndex = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < chosen.Length; i++)
        {
            var v = (1 - windowInfluence) * chosen[i] + windowInfluence * _window[i];
            if (v > bestValue)
            {
                bestValue = v;
                bestIndex = i;
            }
        }
        var peakY = bestIndex / m;
        var peakX = bestIndex % m;
        var (dx, dy) = Displacement(peakX, peakY, m, TotalStride, _upsampler.Factor, searchSide * scaleFactors[bestScale], searchSize);
        return new SiamFcPeak(bestScale, dx, dy, raw[bestIndex], peakX, peakY);
    }

    /// <summary>
    /// Maps a position in the upsampled response to the target's displacement in the frame: from the map's centre,
    /// times the stride over the upsampling (search-crop pixels), times the crop's scale back to the frame.
    /// </summary>
    public static (float Dx, float Dy) Displacement(int peakX, int peakY, int upsampledSize, int totalStride,
        int upsampleFactor, float searchSideInFrame, int searchSize)
    {
        var centre = (upsampledSize - 1) / 2f;
        var toFrame = (float)totalStride / upsampleFactor * searchSideInFrame / searchSize;
        return ((peakX - centre) * toFrame, (peakY - centre) * toFrame);
    }

    /// <summary>Shifts a map to a minimum of 0 and scales it to sum 1 (SiamFC's "response -= min; /= sum").</summary>
    public static void NormalizeToDistribution(Span<float> map)
    {
        var min = float.PositiveInfinity;
        foreach (var v in map)
        {
            min = MathF.Min(min, v);
        }
        var sum = 0.0;
        for (var i = 0; i < map.Length; i++)
        {
            map[i] -= min;
            sum += map[i];
        }
        var scale = (float)(1 / (sum + 1e-16));
        for (var i = 0; i < map.Length; i++)
        {
            map[i] *= scale;
        }
    }

    private static float Max(ReadOnlySpan<float> map)
    {
        var max = float.NegativeInfinity;
        foreach (var v in map)
        {
            max = MathF.Max(max, v);
        }
        return max;
    }
}
