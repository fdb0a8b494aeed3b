using EdgeTracker.Control.Geometry;

namespace EdgeTracker.Control.Tests;

public sealed class FieldOfViewTests
{
    [Fact]
    public void Focal_length_follows_from_the_horizontal_field_of_view()
    {
        var geometry = new FieldOfView(90).ForFrame(640, 480);
        Assert.Equal(320, geometry.FocalX, 9);
        Assert.Equal(320, geometry.FocalY, 9); // square pixels when no vertical FOV is given
    }

    [Fact]
    public void Angles_are_pinhole_angles_not_a_linear_scale()
    {
        var geometry = new FieldOfView(90).ForFrame(640, 480);
        Assert.Equal(45, geometry.PanAngleDeg(640), 9);
        Assert.Equal(0, geometry.PanAngleDeg(320), 9);
        // Half-way to the edge is atan(0.5) = 26.57°, where a linear guess would say 22.5°.
        Assert.Equal(Math.Atan(0.5) * 180 / Math.PI, geometry.PanAngleDeg(480), 9);
        Assert.Equal(-Math.Atan(0.5) * 180 / Math.PI, geometry.PanAngleDeg(160), 9);
    }

    [Fact]
    public void Tilt_is_positive_above_the_centre()
    {
        var geometry = new FieldOfView(90).ForFrame(640, 480);
        Assert.True(geometry.TiltAngleDeg(0) > 0);
        Assert.True(geometry.TiltAngleDeg(480) < 0);
        Assert.Equal(Math.Atan(240 / 320.0) * 180 / Math.PI, geometry.TiltAngleDeg(0), 9);
    }

    [Fact]
    public void A_given_vertical_field_of_view_sets_its_own_focal_length()
    {
        var geometry = new FieldOfView(62.2, 48.8).ForFrame(1280, 720);
        Assert.Equal(360 / Math.Tan(24.4 * Math.PI / 180), geometry.FocalY, 9);
        Assert.Equal(24.4, geometry.TiltAngleDeg(0), 9);
        Assert.Equal(31.1, geometry.PanAngleDeg(1280), 9);
    }

    [Fact]
    public void Pixel_to_angle_and_back_round_trips()
    {
        var geometry = new FieldOfView(70).ForFrame(1920, 1080);
        foreach (var x in new[] { 0.0, 17, 960, 1500.25, 1919 })
        {
            Assert.Equal(x, geometry.XForPanAngle(geometry.PanAngleDeg(x)), 6);
        }
        foreach (var y in new[] { 0.0, 300, 540, 1079 })
        {
            Assert.Equal(y, geometry.YForTiltAngle(geometry.TiltAngleDeg(y)), 6);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(180)]
    [InlineData(double.NaN)]
    public void A_field_of_view_that_is_not_one_is_refused_with_the_value(double degrees)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FieldOfView(degrees));
        Assert.Equal(degrees, error.ActualValue);
    }
}
