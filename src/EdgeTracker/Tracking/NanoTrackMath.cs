using System.Numerics;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Tracking;

/// <summary>NanoTrack's post-processing and confidence as short named helpers over preallocated spans (no allocation).</summary>
public static class NanoTrackMath
{
    /// <summary>outer(hann(n), hann(n)) flattened row-major, hann as numpy's <c>np.hanning</c>: 0.5 − 0.5·cos(2πk/(n−1)).</summary>
    public static float[] HanningWindow(int n)
    {
        var hann = new double[n];
        for (var k = 0; k < n; k++)
        {
            hann[k] = n == 1 ? 1 : 0.5 - 0.5 * Math.Cos(2 * Math.PI * k / (n - 1));
        }
        var window = new float[n * n];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                window[y * n + x] = (float)(hann[y] * hann[x]);
            }
        }
        return window;
    }

    /// <summary>The frame's per-channel mean (B, G, R), truncated to bytes as the reference's uint8 padding does.</summary>
    public static void TruncatedChannelMeans(Frame frame, Span<byte> bgr)
    {
        long b = 0, g = 0, r = 0;
        for (var y = 0; y < frame.Height; y++)
        {
            var row = frame.Row(y);
            for (var i = 0; i < row.Length; i += 3)
            {
                b += row[i];
                g += row[i + 1];
                r += row[i + 2];
            }
        }
        double n = (long)frame.Width * frame.Height;
        bgr[0] = (byte)Math.Truncate(b / n);
        bgr[1] = (byte)Math.Truncate(g / n);
        bgr[2] = (byte)Math.Truncate(r / n);
    }

    /// <summary>Softmax over the two classification planes (background, target): the target's probability per cell.</summary>
    public static void Softmax(ReadOnlySpan<float> cls, Span<float> score)
    {
        var cells = score.Length;
        var background = cls[..cells];
        var target = cls.Slice(cells, cells);
        for (var i = 0; i < cells; i++)
        {
            score[i] = 1f / (1f + MathF.Exp(background[i] - target[i]));
        }
    }

    /// <summary>
    /// Scale and aspect penalties on target sizes, penalised score blended with the cosine window; returns the best
    /// cell. <paramref name="targetW"/>/<paramref name="targetH"/> are the current size in search-crop pixels.
    /// </summary>
    public static int Penalise(ReadOnlySpan<float> loc, ReadOnlySpan<float> score, Span<float> penalty, Span<float> pscore,
        ReadOnlySpan<float> window, int size, int stride, float targetW, float targetH, float penaltyK, float windowInfluence)
    {
        var cells = size * size;
        var targetSz = Sz(targetW, targetH);
        var targetRatio = targetW / targetH;
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < cells; i++)
        {
            var (_, _, w, h) = BoxAt(loc, i, size, stride);
            var sc = Change(Sz(w, h) / targetSz);
            var rc = Change(targetRatio / (w / h));
            var p = MathF.Exp(-(rc * sc - 1) * penaltyK);
            penalty[i] = p;
            var v = p * score[i] * (1 - windowInfluence) + window[i] * windowInfluence;
            pscore[i] = v;
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    /// <summary>The box regressed at cell <paramref name="index"/>: centre offset from the crop centre and size, in crop pixels.</summary>
    public static (float Dx, float Dy, float W, float H) BoxAt(ReadOnlySpan<float> loc, int index, int size, int stride)
    {
        var cells = size * size;
        var half = size / 2;
        var px = (float)((index % size - half) * stride);
        var py = (float)((index / size - half) * stride);
        var x1 = px - loc[index];
        var y1 = py - loc[cells + index];
        var x2 = px + loc[2 * cells + index];
        var y2 = py + loc[3 * cells + index];
        return ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1);
    }

    private static float Change(float r) => MathF.Max(r, 1f / r);

    private static float Sz(float w, float h)
    {
        var pad = (w + h) * 0.5f;
        return MathF.Sqrt((w + pad) * (h + pad));
    }

    /// <summary>
    /// Cosine similarity between the first frame's template features (C×t×t) and the t×t window of search features
    /// (C×f×f) centred where the target was found (score cell <paramref name="best"/>): how much what we follow
    /// still looks like what we were asked to follow. 1 = identical appearance.
    /// </summary>
    public static float TemplateSimilarity(ReadOnlySpan<float> template, ReadOnlySpan<float> search, int channels,
        int templateSide, int searchSide, int best, int scoreSize, float searchScale)
    {
        var half = scoreSize / 2;
        var offsetX = (best % scoreSize - half) / searchScale;
        var offsetY = (best / scoreSize - half) / searchScale;
        var x0 = Math.Clamp((int)MathF.Round((searchSide - templateSide) / 2f + offsetX), 0, searchSide - templateSide);
        var y0 = Math.Clamp((int)MathF.Round((searchSide - templateSide) / 2f + offsetY), 0, searchSide - templateSide);
        double dot = 0, tt = 0, ss = 0;
        var templatePlane = templateSide * templateSide;
        var searchPlane = searchSide * searchSide;
        for (var c = 0; c < channels; c++)
        {
            for (var j = 0; j < templateSide; j++)
            {
                var t = template.Slice(c * templatePlane + j * templateSide, templateSide);
                var s = search.Slice(c * searchPlane + (y0 + j) * searchSide + x0, templateSide);
                dot += Dot(t, s);
                tt += Dot(t, t);
                ss += Dot(s, s);
            }
        }
        return tt > 0 && ss > 0 ? (float)(dot / Math.Sqrt(tt * ss)) : 0f;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            }
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /// <summary>
    /// Our confidence in [0, 1]: "it still looks like the target" × "the score map has one clear peak" —
    /// clamp(similarity / 0.25) × clamp(PSR / 8). Similarity to the first template falls to about 0 when the target
    /// is hidden or the tracker sits on background, where NanoTrack's raw score stays near 0.4; a tracked target
    /// typically has similarity 0.3–0.5 and PSR above 8. The measurement that chose it is in docs/tracking.md.
    /// </summary>
    public static float Confidence(float similarity, float peakToSidelobe) =>
        Math.Clamp(similarity / 0.25f, 0f, 1f) * Math.Clamp(peakToSidelobe / 8f, 0f, 1f);

    /// <summary>
    /// Peak-to-sidelobe ratio of a score map: (peak − mean of the sidelobe) / its standard deviation, the sidelobe
    /// being every cell more than 2 cells from the peak.
    /// </summary>
    public static float PeakToSidelobe(ReadOnlySpan<float> score, int size, int peak)
    {
        var px = peak % size;
        var py = peak / size;
        double sum = 0, sumSq = 0;
        var n = 0;
        for (var i = 0; i < score.Length; i++)
        {
            if (Math.Abs(i % size - px) <= 2 && Math.Abs(i / size - py) <= 2)
            {
                continue;
            }
            sum += score[i];
            sumSq += (double)score[i] * score[i];
            n++;
        }
        if (n == 0)
        {
            return 0f;
        }
        var mean = sum / n;
        var std = Math.Sqrt(Math.Max(1e-12, sumSq / n - mean * mean));
        return (float)((score[peak] - mean) / std);
    }
}
