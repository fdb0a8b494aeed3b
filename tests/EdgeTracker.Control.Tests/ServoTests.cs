using EdgeTracker.Control.Servos;

namespace EdgeTracker.Control.Tests;

public sealed class ServoTests
{
    private static readonly ServoOptions Standard = new() { Channel = 0, MinPulseUs = 500, MaxPulseUs = 2500, MinAngleDeg = -90, MaxAngleDeg = 90, SoftMinDeg = -60, SoftMaxDeg = 70 };

    [Theory]
    [InlineData(0, 1500)]
    [InlineData(45, 2000)]
    [InlineData(-45, 1000)]
    public void Pulse_maps_linearly_over_the_angle_range(double angle, double pulse) =>
        Assert.Equal(pulse, new Servo(Standard).PulseFor(angle), 6);

    [Theory]
    [InlineData(1000, 70)]
    [InlineData(71, 70)]
    [InlineData(-1e9, -60)]
    [InlineData(double.PositiveInfinity, 70)]
    [InlineData(double.NegativeInfinity, -60)]
    public void No_input_gets_past_the_soft_limits(double requested, double reached)
    {
        var servo = new Servo(Standard);
        Assert.Equal(reached, servo.Clamp(requested));
        Assert.Equal(servo.PulseFor(reached), servo.PulseFor(requested), 9);
    }

    [Fact]
    public void Not_a_number_goes_home_rather_than_anywhere_else()
    {
        var servo = new Servo(Standard with { HomeDeg = 10 });
        Assert.Equal(10, servo.Clamp(double.NaN));
        Assert.Equal(servo.PulseFor(10), servo.PulseFor(double.NaN));
    }

    [Fact]
    public void Inversion_mirrors_the_pulse_about_the_centre()
    {
        var inverted = new Servo(Standard with { Inverted = true });
        Assert.Equal(1000, inverted.PulseFor(45), 6);
        Assert.Equal(2000, inverted.PulseFor(-45), 6);
    }

    [Fact]
    public void Centre_trim_shifts_straight_ahead_and_the_reachable_range_with_it()
    {
        var trimmed = new Servo(Standard with { CenterTrimDeg = 30, SoftMinDeg = -100, SoftMaxDeg = 100 });
        Assert.Equal(1500 + 30 * 2000 / 180.0, trimmed.PulseFor(0), 6);
        // The servo stops at +90° mechanical, which is +60° of head angle after a +30° trim.
        Assert.Equal(60, trimmed.MaxDeg);
        Assert.Equal(-100, trimmed.MinDeg);
        Assert.Equal(2500, trimmed.PulseFor(80), 6);
    }

    [Fact]
    public void AngleFor_inverts_PulseFor_with_trim_and_inversion()
    {
        var servo = new Servo(Standard with { CenterTrimDeg = -7, Inverted = true });
        foreach (var angle in new[] { -50.0, -3.3, 0, 12.5, 60 })
        {
            Assert.Equal(angle, servo.AngleFor(servo.PulseFor(angle)), 9);
        }
    }

    [Fact]
    public void StepToward_moves_no_faster_than_the_servo()
    {
        var servo = new Servo(Standard with { MaxSpeedDegPerSecond = 200 });
        Assert.Equal(10, servo.StepToward(0, 50, 0.05), 9);
        Assert.Equal(-10, servo.StepToward(0, -50, 0.05), 9);
        Assert.Equal(3, servo.StepToward(0, 3, 0.05), 9);
        Assert.Equal(70, servo.StepToward(69, 500, 1), 9);
    }

    [Fact]
    public void Soft_limits_outside_what_the_servo_can_reach_leave_no_room_and_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new Servo(Standard with { SoftMinDeg = 95, SoftMaxDeg = 120 }));
        Assert.Contains("95..120", error.Message);
    }
}
