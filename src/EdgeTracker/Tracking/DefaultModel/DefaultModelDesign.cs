namespace EdgeTracker.Tracking.DefaultModel;

/// <summary>
/// The fixed, hand-designed features of EdgeTracker's own SiamFC-family model. Nothing is learned: every weight
/// follows from these numbers, so the model is rebuilt byte for byte by <see cref="DefaultModelBuilder"/>.
/// </summary>
/// <remarks>
/// Per pixel (a 3×3 "valid" neighbourhood of the BGR crop, 0–255): intensity, two opponent colours
/// (red−green, yellow−blue) and <see cref="Orientations"/> signed gradient-orientation channels — the Sobel
/// gradient projected on each direction, minus <see cref="OrientationThreshold"/> times its magnitude, rectified —
/// which bins orientations like HOG's interpolated histogram (each channel answers within ±45° of its direction
/// for the default threshold cos 45°). Channels are averaged over <see cref="Cell"/>² cells (HOG-style pooling,
/// stride <see cref="Cell"/>). Matching is zero-mean normalised cross-correlation over all channels, inside the
/// graph, so the response is a correlation coefficient in [−1, 1]: a confidence with a meaning.
/// </remarks>
public sealed record DefaultModelDesign
{
    /// <summary>Number of signed gradient directions (evenly spaced over 360°).</summary>
    public int Orientations { get; init; } = 8;

    /// <summary>Fraction of the gradient magnitude subtracted before rectifying (cos of the half-bin width).</summary>
    public float OrientationThreshold { get; init; } = 0.7071f;

    /// <summary>Weight of the intensity channel.</summary>
    public float IntensityWeight { get; init; } = 1f;

    /// <summary>Weight of the two opponent-colour channels.</summary>
    public float ColorWeight { get; init; } = 1f;

    /// <summary>Weight of the orientation channels.</summary>
    public float OrientationWeight { get; init; } = 1f;

    /// <summary>Pooling cell side and stride in crop pixels.</summary>
    public int Cell { get; init; } = 8;

    /// <summary>Exemplar crop side (SiamFC: 127).</summary>
    public int ExemplarSize { get; init; } = 127;

    /// <summary>Search crop side (SiamFC: 255).</summary>
    public int SearchSize { get; init; } = 255;

    /// <summary>Added under square roots so flat (padded) regions give a response of 0, not NaN.</summary>
    public float Epsilon { get; init; } = 1e-6f;

    /// <summary>Feature channels: intensity, two colours, the orientations.</summary>
    public int Channels => 3 + Orientations;

    /// <summary>Feature-map side for a crop of <paramref name="cropSize"/>: 3×3 valid filtering, then pooling.</summary>
    public int FeatureSize(int cropSize) => (cropSize - 2 - Cell) / Cell + 1;

    /// <summary>Side of the response map: search features minus exemplar features plus one.</summary>
    public int ResponseSize => FeatureSize(SearchSize) - FeatureSize(ExemplarSize) + 1;

    /// <summary>Checks the numbers; throws naming the offending one.</summary>
    public void Validate()
    {
        if (Orientations is < 2 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(Orientations), Orientations, "Between 2 and 32 orientations.");
        }
        if (OrientationThreshold is < 0f or >= 1f)
        {
            throw new ArgumentOutOfRangeException(nameof(OrientationThreshold), OrientationThreshold, "The orientation threshold must be in [0, 1).");
        }
        if (Cell < 1 || ExemplarSize < 2 + Cell || SearchSize <= ExemplarSize)
        {
            throw new ArgumentException($"Cell {Cell}, exemplar {ExemplarSize} and search {SearchSize} do not make a response map.");
        }
    }
}
