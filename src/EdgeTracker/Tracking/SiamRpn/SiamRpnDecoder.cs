using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tracking.SiamRpn;

/// <summary>The decoder's choice for one frame, in search-crop pixels relative to the crop's centre.</summary>
/// <param name="Index">The winning anchor index (a·size² + y·size + x).</param>
/// <param name="CenterX">Predicted centre x offset from the crop centre.</param>
/// <param name="CenterY">Predicted centre y offset from the crop centre.</param>
/// <param name="Width">Predicted width.</param>
/// <param name="Height">Predicted height.</param>
/// <param name="Score">Foreground probability of the winner.</param>
/// <param name="Penalty">Scale/ratio penalty of the winner (1 when the size did not change).</param>
public readonly record struct RpnChoice(int Index, float CenterX, float CenterY, float Width, float Height, float Score, float Penalty)
{
    /// <summary>The size learning rate pysot applies: penalty · score · lr.</summary>
    public float SizeRate(float lr) => Penalty * Score * lr;
}

/// <summary>
/// SiamRPN's post-processing (pysot's <c>SiamRPNTracker.track</c>): two-way softmax of the 2k classification maps,
/// anchor deltas to boxes, a penalty on changes of scale and aspect ratio, a cosine window tiled over the k
/// anchors, and the arg-max. Made once per model; <see cref="Decode"/> allocates nothing.
/// </summary>
public sealed class SiamRpnDecoder
{
    private readonly Anchor[] _anchors;
    private readonly float[] _window;
    private readonly float[] _boxes; // 4 × count: cx, cy, w, h
    private readonly float[] _scores;
    private readonly float[] _penalties;

    /// <param name="anchors">From <see cref="Anchors.Generate"/>.</param>
    /// <param name="anchorCount">k, the anchors per cell.</param>
    /// <param name="scoreSize">The side of the score map.</param>
    public SiamRpnDecoder(Anchor[] anchors, int anchorCount, int scoreSize)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.Length != anchorCount * scoreSize * scoreSize)
        {
            throw new ArgumentException($"{anchors.Length} anchors do not cover {anchorCount} anchors × {scoreSize}² cells.", nameof(anchors));
        }
        _anchors = anchors;
        AnchorCount = anchorCount;
        ScoreSize = scoreSize;
        // pysot: np.tile(np.outer(hanning(size), hanning(size)).flatten(), k) — not normalised.
        var cell = ScoreWindows.Hanning2D(scoreSize, normalizeSum: false);
        _window = new float[anchors.Length];
        for (var a = 0; a < anchorCount; a++)
        {
            cell.CopyTo(_window, a * cell.Length);
        }
        _boxes = new float[anchors.Length * 4];
        _scores = new float[anchors.Length];
        _penalties = new float[anchors.Length];
    }

    /// <summary>k.</summary>
    public int AnchorCount { get; }

    /// <summary>The side of the score map.</summary>
    public int ScoreSize { get; }

    /// <summary>The number of candidate boxes (k · size²).</summary>
    public int Count => _anchors.Length;

    /// <summary>The anchor-tiled window.</summary>
    public ReadOnlySpan<float> Window => _window;

    /// <summary>
    /// Decodes one frame.
    /// </summary>
    /// <param name="classification">[2k, size, size]: channels 0..k−1 background, k..2k−1 foreground logits.</param>
    /// <param name="regression">[4k, size, size]: channels dx (0..k−1), dy, dw, dh.</param>
    /// <param name="targetWidth">The current target width, in search-crop pixels.</param>
    /// <param name="targetHeight">The current target height, in search-crop pixels.</param>
    /// <param name="penaltyK">Strength of the scale/ratio penalty.</param>
    /// <param name="windowInfluence">Weight of the cosine window.</param>
    public RpnChoice Decode(ReadOnlySpan<float> classification, ReadOnlySpan<float> regression,
        float targetWidth, float targetHeight, float penaltyK, float windowInfluence)
    {
        var count = _anchors.Length;
        if (classification.Length != 2 * count)
        {
            throw new ArgumentException($"The classification output has {classification.Length} values; 2×{AnchorCount}×{ScoreSize}² = {2 * count} expected.", nameof(classification));
        }
        if (regression.Length != 4 * count)
        {
            throw new ArgumentException($"The regression output has {regression.Length} values; 4×{AnchorCount}×{ScoreSize}² = {4 * count} expected.", nameof(regression));
        }
        var currentSize = PaddedSize(targetWidth, targetHeight);
        var currentRatio = targetWidth / targetHeight;
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            var score = ForegroundProbability(classification[i], classification[count + i]);
            var anchor = _anchors[i];
            var w = MathF.Exp(regression[2 * count + i]) * anchor.Width;
            var h = MathF.Exp(regression[3 * count + i]) * anchor.Height;
            _boxes[4 * i] = regression[i] * anchor.Width + anchor.CenterX;
            _boxes[4 * i + 1] = regression[count + i] * anchor.Height + anchor.CenterY;
            _boxes[4 * i + 2] = w;
            _boxes[4 * i + 3] = h;
            var penalty = Penalty(w, h, currentSize, currentRatio, penaltyK);
            _scores[i] = score;
            _penalties[i] = penalty;
            var value = penalty * score * (1 - windowInfluence) + _window[i] * windowInfluence;
            if (value > bestValue)
            {
                bestValue = value;
                best = i;
            }
        }
        return new RpnChoice(best, _boxes[4 * best], _boxes[4 * best + 1], _boxes[4 * best + 2], _boxes[4 * best + 3],
            _scores[best], _penalties[best]);
    }

    /// <summary>softmax([background, foreground])[1], computed without overflow.</summary>
    public static float ForegroundProbability(float background, float foreground) =>
        1f / (1f + MathF.Exp(background - foreground));

    /// <summary>The padded size SiamRPN compares: √((w+p)(h+p)), p = (w+h)/2.</summary>
    public static float PaddedSize(float width, float height)
    {
        var pad = (width + height) * 0.5f;
        return MathF.Sqrt((width + pad) * (height + pad));
    }

    /// <summary>max(r, 1/r): how far a ratio is from 1 either way.</summary>
    public static float Change(float ratio) => MathF.Max(ratio, 1f / ratio);

    /// <summary>
    /// exp(−(r_c·s_c − 1)·k): 1 when the candidate keeps the current padded size and aspect ratio, smaller the
    /// more it changes them.
    /// </summary>
    public static float Penalty(float width, float height, float currentPaddedSize, float currentRatio, float penaltyK)
    {
        var scaleChange = Change(PaddedSize(width, height) / currentPaddedSize);
        var ratioChange = Change(currentRatio / (width / height));
        return MathF.Exp(-(ratioChange * scaleChange - 1) * penaltyK);
    }
}
