namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// Peak-to-sidelobe ratio (Bolme et al., MOSSE): how far the peak stands above the rest of the map, in standard
/// deviations of the map outside a small area around the peak. A learned SiamFC response has no fixed scale, but a
/// clear target gives a high PSR and an absent one a low PSR.
/// </summary>
public static class PeakToSidelobe
{
    /// <summary>Cells either side of the peak left out of the sidelobe.</summary>
    public const int Exclusion = 2;

    /// <summary>PSR at or below which the confidence is 0.</summary>
    public const float Floor = 3f;

    /// <summary>PSR at or above which the confidence is 1.</summary>
    public const float Ceiling = 10f;

    /// <summary>The PSR of a size² map at (peakX, peakY).</summary>
    public static float Ratio(ReadOnlySpan<float> map, int size, int peakX, int peakY)
    {
        double sum = 0, sumSq = 0;
        var count = 0;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (Math.Abs(x - peakX) <= Exclusion && Math.Abs(y - peakY) <= Exclusion)
                {
                    continue;
                }
                double v = map[y * size + x];
                sum += v;
                sumSq += v * v;
                count++;
            }
        }
        if (count < 2)
        {
            return 0f;
        }
        var mean = sum / count;
        var std = Math.Sqrt(Math.Max(sumSq / count - mean * mean, 0));
        return std > 1e-12 ? (float)((map[peakY * size + peakX] - mean) / std) : 0f;
    }

    /// <summary>The PSR mapped linearly from [<see cref="Floor"/>, <see cref="Ceiling"/>] to [0, 1].</summary>
    public static float Confidence(ReadOnlySpan<float> map, int size, int peakX, int peakY) =>
        Math.Clamp((Ratio(map, size, Math.Clamp(peakX, 0, size - 1), Math.Clamp(peakY, 0, size - 1)) - Floor) / (Ceiling - Floor), 0f, 1f);
}
