namespace EdgeTracker.Tracking.SiamRpn;

/// <summary>One anchor box, centred in search-crop coordinates relative to the crop's centre.</summary>
public readonly record struct Anchor(float CenterX, float CenterY, float Width, float Height);

/// <summary>
/// SiamRPN's anchors (Li et al., 2018, as pysot generates them): for each aspect ratio r and scale s a base box
/// of area ≈ stride², w = ⌊√(stride²/r)⌋, h = ⌊w·r⌋, both times s; then one copy per score-map cell, centred on
/// the cell, with the map's centre at the search crop's centre. The order is anchor-major (k, y, x), the order
/// in which pysot flattens the classification and regression maps.
/// </summary>
public static class Anchors
{
    /// <summary>The k = ratios × scales base sizes (width, height), ratio-major.</summary>
    public static (float Width, float Height)[] BaseSizes(int stride, ReadOnlySpan<float> ratios, ReadOnlySpan<float> scales)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        if (ratios.IsEmpty || scales.IsEmpty)
        {
            throw new ArgumentException("SiamRPN anchors need at least one ratio and one scale.");
        }
        var sizes = new (float, float)[ratios.Length * scales.Length];
        var area = stride * stride;
        var i = 0;
        foreach (var ratio in ratios)
        {
            if (!(ratio > 0) || !float.IsFinite(ratio))
            {
                throw new ArgumentOutOfRangeException(nameof(ratios), ratio, "An anchor ratio must be a positive number.");
            }
            // pysot truncates (int()) both sides; the truncation shapes the anchors, so it is kept.
            var ws = (int)Math.Sqrt(area / (double)ratio);
            var hs = (int)(ws * (double)ratio);
            foreach (var scale in scales)
            {
                if (!(scale > 0) || !float.IsFinite(scale))
                {
                    throw new ArgumentOutOfRangeException(nameof(scales), scale, "An anchor scale must be a positive number.");
                }
                sizes[i++] = (ws * scale, hs * scale);
            }
        }
        return sizes;
    }

    /// <summary>
    /// Every anchor over a <paramref name="scoreSize"/>² map: index = a·size² + y·size + x; cell (x, y) is centred
    /// at ((x − ⌊size/2⌋)·stride, (y − ⌊size/2⌋)·stride) from the crop's centre.
    /// </summary>
    public static Anchor[] Generate(int stride, ReadOnlySpan<float> ratios, ReadOnlySpan<float> scales, int scoreSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scoreSize);
        var bases = BaseSizes(stride, ratios, scales);
        var cells = scoreSize * scoreSize;
        var anchors = new Anchor[bases.Length * cells];
        var origin = -(scoreSize / 2) * stride;
        for (var a = 0; a < bases.Length; a++)
        {
            for (var y = 0; y < scoreSize; y++)
            {
                for (var x = 0; x < scoreSize; x++)
                {
                    anchors[a * cells + y * scoreSize + x] =
                        new Anchor(origin + x * stride, origin + y * stride, bases[a].Width, bases[a].Height);
                }
            }
        }
        return anchors;
    }
}
