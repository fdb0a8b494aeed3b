using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// A per-target colour model (as in Staple, Bertinetto et al., 2016): histograms of the target's colours and of
/// its surroundings, turned into a lookup table P(target | colour) that a model with a <c>colour_table</c> input
/// reads per pixel. Learnt from the frames of the track itself, not from any training: it describes this target.
/// </summary>
/// <remarks>Colours are quantised to <see cref="BinsPerChannel"/> levels per channel, index = b·256 + g·16 + r.</remarks>
public sealed class ColourModel
{
    /// <summary>Levels per channel (16: bins of 16 grey levels).</summary>
    public const int BinsPerChannel = 16;

    /// <summary>Table entries: 16³.</summary>
    public const int Bins = BinsPerChannel * BinsPerChannel * BinsPerChannel;

    private readonly double[] _foreground = new double[Bins];
    private readonly double[] _background = new double[Bins];
    private readonly double[] _fgFrame = new double[Bins];
    private readonly double[] _bgFrame = new double[Bins];
    private bool _learnt;

    /// <summary>Forgets everything (a new target).</summary>
    public void Reset() => _learnt = false;

    /// <summary>The bin of a BGR pixel.</summary>
    public static int Bin(byte b, byte g, byte r) => (b >> 4) * 256 + (g >> 4) * 16 + (r >> 4);

    /// <summary>
    /// Counts the target box's pixels and the pixels of the square <paramref name="surroundingSide"/> around the same
    /// centre outside it, and blends their normalised histograms into the model (rate 1 on the first call).
    /// </summary>
    public void Learn(Frame frame, BoxF target, float surroundingSide, float rate)
    {
        Array.Clear(_fgFrame);
        Array.Clear(_bgFrame);
        var cx = target.CenterX;
        var cy = target.CenterY;
        var half = MathF.Max(surroundingSide, MathF.Max(target.W, target.H)) / 2;
        int x0 = Math.Max(0, (int)(cx - half)), x1 = Math.Min(frame.Width, (int)(cx + half));
        int y0 = Math.Max(0, (int)(cy - half)), y1 = Math.Min(frame.Height, (int)(cy + half));
        // Staple counts the target's inner part only, so the box's edges (often background) do not pollute it.
        var inner = 0.8f;
        float tx0 = cx - target.W * inner / 2, tx1 = cx + target.W * inner / 2;
        float ty0 = cy - target.H * inner / 2, ty1 = cy + target.H * inner / 2;
        float ox0 = target.X, ox1 = target.X + target.W, oy0 = target.Y, oy1 = target.Y + target.H;
        double fgCount = 0, bgCount = 0;
        for (var y = y0; y < y1; y++)
        {
            var row = frame.Row(y);
            for (var x = x0; x < x1; x++)
            {
                var bin = Bin(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
                if (x >= tx0 && x < tx1 && y >= ty0 && y < ty1)
                {
                    _fgFrame[bin]++;
                    fgCount++;
                }
                else if (x < ox0 || x >= ox1 || y < oy0 || y >= oy1)
                {
                    _bgFrame[bin]++;
                    bgCount++;
                }
            }
        }
        if (fgCount == 0 || bgCount == 0)
        {
            return;
        }
        var keep = _learnt ? 1 - rate : 0;
        var take = _learnt ? rate : 1;
        for (var i = 0; i < Bins; i++)
        {
            _foreground[i] = keep * _foreground[i] + take * _fgFrame[i] / fgCount;
            _background[i] = keep * _background[i] + take * _bgFrame[i] / bgCount;
        }
        _learnt = true;
    }

    /// <summary>Writes P(target | colour) = fg / (fg + bg) per bin; a colour seen in neither region scores 0.</summary>
    public void WriteTable(Span<float> table)
    {
        for (var i = 0; i < Bins; i++)
        {
            var fg = _foreground[i];
            var sum = fg + _background[i];
            table[i] = sum > 1e-9 ? (float)(fg / sum) : 0f;
        }
    }
}
