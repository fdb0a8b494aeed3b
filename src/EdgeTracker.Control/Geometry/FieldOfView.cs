namespace EdgeTracker.Control.Geometry;

/// <summary>
/// Pinhole geometry of the camera on the head: a pixel's horizontal offset from the principal point, dx, is at angle
/// atan(dx / f) with f = (width / 2) / tan(hfov / 2). Using the angle rather than a linear pixels-to-degrees factor
/// keeps the loop gain right at the image edges, where a linear guess overshoots by up to several degrees on wide lenses.
/// </summary>
/// <remarks>Immutable; the focal lengths for a frame size are computed once and cached by <see cref="ForFrame"/>.</remarks>
public readonly record struct FieldOfView
{
    /// <summary>Creates the geometry.</summary>
    /// <param name="horizontalDeg">Horizontal field of view, degrees (0..180 exclusive).</param>
    /// <param name="verticalDeg">Vertical field of view, degrees; 0 derives it from the frame's aspect with square pixels.</param>
    public FieldOfView(double horizontalDeg, double verticalDeg = 0)
    {
        if (!(horizontalDeg > 0 && horizontalDeg < 180))
        {
            throw new ArgumentOutOfRangeException(nameof(horizontalDeg), horizontalDeg, "Horizontal field of view must be between 0 and 180 degrees.");
        }
        if (!(verticalDeg >= 0 && verticalDeg < 180))
        {
            throw new ArgumentOutOfRangeException(nameof(verticalDeg), verticalDeg, "Vertical field of view must be 0 (derived) or between 0 and 180 degrees.");
        }
        HorizontalDeg = horizontalDeg;
        VerticalDeg = verticalDeg;
    }

    /// <summary>Horizontal field of view, degrees.</summary>
    public double HorizontalDeg { get; }

    /// <summary>Vertical field of view, degrees; 0 = from the aspect ratio.</summary>
    public double VerticalDeg { get; }

    /// <summary>The focal lengths in pixels for one frame size.</summary>
    public FrameGeometry ForFrame(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}", "Frame size must be positive.");
        }
        var fx = width / 2.0 / Math.Tan(HorizontalDeg * Math.PI / 360);
        var fy = VerticalDeg > 0 ? height / 2.0 / Math.Tan(VerticalDeg * Math.PI / 360) : fx;
        return new FrameGeometry(width, height, fx, fy);
    }
}

/// <summary>Focal lengths for one frame size; converts between pixels and angles off the optical axis.</summary>
/// <param name="Width">Frame width, pixels.</param>
/// <param name="Height">Frame height, pixels.</param>
/// <param name="FocalX">Horizontal focal length, pixels.</param>
/// <param name="FocalY">Vertical focal length, pixels.</param>
public readonly record struct FrameGeometry(int Width, int Height, double FocalX, double FocalY)
{
    private const double RadToDeg = 180 / Math.PI;

    /// <summary>Pan angle of a pixel column off the optical axis, degrees; positive right of centre.</summary>
    public double PanAngleDeg(double x) => Math.Atan((x - Width / 2.0) / FocalX) * RadToDeg;

    /// <summary>Tilt angle of a pixel row off the optical axis, degrees; positive above centre (image y grows down).</summary>
    public double TiltAngleDeg(double y) => Math.Atan((Height / 2.0 - y) / FocalY) * RadToDeg;

    /// <summary>The pixel column at a pan angle off the axis (inverse of <see cref="PanAngleDeg"/>).</summary>
    public double XForPanAngle(double deg) => Width / 2.0 + FocalX * Math.Tan(deg / RadToDeg);

    /// <summary>The pixel row at a tilt angle off the axis (inverse of <see cref="TiltAngleDeg"/>).</summary>
    public double YForTiltAngle(double deg) => Height / 2.0 - FocalY * Math.Tan(deg / RadToDeg);
}
