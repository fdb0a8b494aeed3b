namespace EdgeTracker.Tracking;

/// <summary>The first box every tracker family takes in <see cref="ISingleObjectTracker.Init"/>.</summary>
internal static class InitBox
{
    /// <summary>Throws when the box cannot start a track (no positive, finite size), naming the box.</summary>
    public static BoxF Validated(BoxF box) =>
        box.IsValid ? box : throw new ArgumentException($"Initial box {box} has no positive finite size.", nameof(box));

    /// <summary>
    /// The validated box as pysot's trackers (and the NanoTrack reference) hold it: centre x + (w − 1)/2,
    /// y + (h − 1)/2, and size.
    /// </summary>
    public static (float Cx, float Cy, float W, float H) PysotCentre(BoxF box)
    {
        Validated(box);
        return (box.X + (box.W - 1) / 2f, box.Y + (box.H - 1) / 2f, box.W, box.H);
    }
}
