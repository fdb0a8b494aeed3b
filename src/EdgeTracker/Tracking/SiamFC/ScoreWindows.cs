namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// The raised-cosine windows the Siamese trackers multiply or blend into their score maps to favour small
/// motions. Two conventions exist in the published code and the choice changes results, so both are named.
/// </summary>
public static class ScoreWindows
{
    /// <summary>
    /// numpy's <c>hanning(n)</c>: 0.5 − 0.5·cos(2πi/(n−1)), zero at both ends. SiamFC and pysot's SiamRPN use it.
    /// </summary>
    public static void Hanning(Span<float> window)
    {
        var n = window.Length;
        if (n == 1)
        {
            window[0] = 1f;
            return;
        }
        for (var i = 0; i < n; i++)
        {
            window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (n - 1)));
        }
    }

    /// <summary>
    /// The "centred" Hann window of OpenCV's TrackerVit: 0.5·(1 − cos(2π(i+1)/(n+1))), never zero, so a peak on
    /// the border of the score map is damped but still selectable.
    /// </summary>
    public static void CenteredHann(Span<float> window)
    {
        var n = window.Length;
        for (var i = 0; i < n; i++)
        {
            window[i] = (float)(0.5 * (1 - Math.Cos(2 * Math.PI / (n + 1) * (i + 1))));
        }
    }

    /// <summary>The outer product rows × cols of a 1-D window with itself, row-major.</summary>
    public static float[] Outer(ReadOnlySpan<float> rows, ReadOnlySpan<float> cols)
    {
        var result = new float[rows.Length * cols.Length];
        for (var y = 0; y < rows.Length; y++)
        {
            for (var x = 0; x < cols.Length; x++)
            {
                result[y * cols.Length + x] = rows[y] * cols[x];
            }
        }
        return result;
    }

    /// <summary>A 2-D numpy-style Hanning window of <paramref name="size"/>², optionally scaled to sum to 1.</summary>
    public static float[] Hanning2D(int size, bool normalizeSum)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Span<float> line = size <= 1024 ? stackalloc float[size] : new float[size];
        Hanning(line);
        var window = Outer(line, line);
        if (normalizeSum)
        {
            var sum = 0.0;
            foreach (var v in window)
            {
                sum += v;
            }
            if (sum > 0)
            {
                for (var i = 0; i < window.Length; i++)
                {
                    window[i] = (float)(window[i] / sum);
                }
            }
        }
        return window;
    }
}
