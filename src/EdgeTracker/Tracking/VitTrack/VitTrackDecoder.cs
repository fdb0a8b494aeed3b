using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tracking.VitTrack;

/// <summary>VitTrack's answer for one frame, in the search crop's unit coordinates (0..1 across the crop).</summary>
/// <param name="CenterX">Centre x as a fraction of the crop side.</param>
/// <param name="CenterY">Centre y as a fraction of the crop side.</param>
/// <param name="Width">Width as a fraction of the crop side.</param>
/// <param name="Height">Height as a fraction of the crop side.</param>
/// <param name="Score">The windowed confidence at the chosen cell (OpenCV's tracking score).</param>
/// <param name="CellX">Chosen column of the score map.</param>
/// <param name="CellY">Chosen row of the score map.</param>
public readonly record struct VitChoice(float CenterX, float CenterY, float Width, float Height, float Score, int CellX, int CellY)
{
    /// <summary>The box in frame pixels for a search crop of side <paramref name="cropSide"/> whose top-left is at (x0, y0).</summary>
    public BoxF ToFrame(float cropX0, float cropY0, float cropSide) =>
        new(cropX0 + (CenterX - Width / 2) * cropSide, cropY0 + (CenterY - Height / 2) * cropSide, Width * cropSide, Height * cropSide);
}

/// <summary>
/// VitTrack's post-processing (OpenCV's TrackerVit with the opencv_zoo model): the score map times a centred Hann
/// window, the arg-max cell, the sub-cell offset and the normalised size read at that cell. The window is made
/// once; <see cref="Decode"/> allocates nothing.
/// </summary>
public sealed class VitTrackDecoder
{
    private readonly float[] _window;

    /// <param name="mapSize">Side of the score map (16 for the 256 search crop at stride 16).</param>
    public VitTrackDecoder(int mapSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mapSize);
        MapSize = mapSize;
        Span<float> line = stackalloc float[mapSize];
        ScoreWindows.CenteredHann(line);
        _window = ScoreWindows.Outer(line, line);
    }

    /// <summary>Side of the score map.</summary>
    public int MapSize { get; }

    /// <summary>The centred Hann window the score is multiplied by.</summary>
    public ReadOnlySpan<float> Window => _window;

    /// <summary>
    /// Decodes one frame's outputs: <paramref name="score"/> [size²], <paramref name="size"/> [2, size²] (w, h as
    /// fractions of the crop), <paramref name="offset"/> [2, size²] (sub-cell x, y offsets in cells).
    /// </summary>
    public VitChoice Decode(ReadOnlySpan<float> score, ReadOnlySpan<float> size, ReadOnlySpan<float> offset)
    {
        var cells = MapSize * MapSize;
        if (score.Length != cells || size.Length != 2 * cells || offset.Length != 2 * cells)
        {
            throw new ArgumentException(
                $"VitTrack outputs must be score [{MapSize}×{MapSize}], size and offset [2×{MapSize}×{MapSize}]; got {score.Length}, {size.Length}, {offset.Length} values.");
        }
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < cells; i++)
        {
            var v = score[i] * _window[i];
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }
        var cy = best / MapSize;
        var cx = best % MapSize;
        return new VitChoice(
            (cx + offset[best]) / MapSize,
            (cy + offset[cells + best]) / MapSize,
            size[best],
            size[cells + best],
            bestValue, cx, cy);
    }

    /// <summary>The side of a square crop around a target: ⌈√(w·h)·factor⌉ (2 for the template, 4 for the search).</summary>
    public static int CropSide(float width, float height, float factor) =>
        (int)MathF.Ceiling(MathF.Sqrt(width * height) * factor);
}
