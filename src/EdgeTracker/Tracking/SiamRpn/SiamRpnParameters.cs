namespace EdgeTracker.Tracking.SiamRpn;

/// <summary>
/// SiamRPN's anchors (the manifest's <c>siamRpn</c> section). Defaults are pysot's for SiamRPN, DaSiamRPN and
/// SiamRPN++: ratios 0.33, 0.5, 1, 2, 3 and one scale 8 (k = 5 anchors per cell); the stride is the manifest's.
/// </summary>
public sealed record SiamRpnParameters
{
    /// <summary>Anchor aspect ratios (h/w).</summary>
    public IReadOnlyList<float> AnchorRatios { get; init; } = [0.33f, 0.5f, 1f, 2f, 3f];

    /// <summary>Anchor scales (multiples of the stride).</summary>
    public IReadOnlyList<float> AnchorScales { get; init; } = [8f];

    /// <summary>k, the anchors per score-map cell.</summary>
    public int AnchorCount => AnchorRatios.Count * AnchorScales.Count;

    /// <summary>Checks the values; throws naming the offending one.</summary>
    public void Validate(string model)
    {
        if (AnchorRatios.Count == 0 || AnchorScales.Count == 0 || AnchorRatios.Any(r => !(r > 0)) || AnchorScales.Any(s => !(s > 0)))
        {
            throw new ModelException($"Model '{model}': siamRpn.anchorRatios and anchorScales must list positive numbers.");
        }
    }
}
