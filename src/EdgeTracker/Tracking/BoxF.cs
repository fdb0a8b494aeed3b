namespace EdgeTracker.Tracking;

/// <summary>An axis-aligned box in pixels: top-left corner (0-based), width and height.</summary>
public readonly record struct BoxF(float X, float Y, float W, float H)
{
    /// <summary>The centre's x.</summary>
    public float CenterX => X + W / 2f;

    /// <summary>The centre's y.</summary>
    public float CenterY => Y + H / 2f;

    /// <summary>True when the box has a positive, finite size.</summary>
    public bool IsValid => float.IsFinite(X) && float.IsFinite(Y) && float.IsFinite(W) && float.IsFinite(H) && W > 0 && H > 0;

    /// <summary>Builds a box from its centre and size.</summary>
    public static BoxF FromCenter(float cx, float cy, float w, float h) => new(cx - w / 2f, cy - h / 2f, w, h);

    /// <summary>Intersection over union with another box (0 when either is empty).</summary>
    public float IoU(BoxF other)
    {
        var ix = MathF.Max(0, MathF.Min(X + W, other.X + other.W) - MathF.Max(X, other.X));
        var iy = MathF.Max(0, MathF.Min(Y + H, other.Y + other.H) - MathF.Max(Y, other.Y));
        var intersection = ix * iy;
        var union = W * H + other.W * other.H - intersection;
        return union > 0 ? intersection / union : 0f;
    }
}
