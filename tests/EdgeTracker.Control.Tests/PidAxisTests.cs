namespace EdgeTracker.Control.Tests;

public sealed class PidAxisTests
{
    private static readonly PanTiltGains Gains = new() { Kp = 10, Ki = 20, Kd = 0, DeadBandDeg = 0.5, IntegralLimitDegPerSecond = 30, MaxCorrectionPerFrame = 1, IntegralZoneDeg = 1000 };

    [Fact]
    public void Errors_inside_the_dead_band_give_no_motion()
    {
        var axis = new PidAxis(Gains);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, axis.Step(0.4, 1 / 30.0, -100, 100));
        }
        Assert.Equal(0, axis.Integral);
    }

    [Fact]
    public void Proportional_rate_is_Kp_times_the_error()
    {
        var axis = new PidAxis(Gains with { Ki = 0 });
        Assert.Equal(50, axis.Step(5, 1 / 30.0, -100, 100), 9);
    }

    [Fact]
    public void A_saturated_output_stops_the_integral_from_winding_up()
    {
        var axis = new PidAxis(Gains);
        // The target sits far beyond what the head may do this step (e.g. at a soft limit): rate window is ±1 deg/s.
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(1, axis.Step(20, 1 / 30.0, -1, 1), 9);
        }
        Assert.True(axis.Integral < 1, $"integral wound up to {axis.Integral}");
        // When the error reverses the head reverses at once instead of unwinding a large integral first.
        Assert.True(axis.Step(-5, 1 / 30.0, -100, 100) < 0);
    }

    [Fact]
    public void The_integral_is_clamped_to_its_limit()
    {
        var axis = new PidAxis(Gains);
        for (var i = 0; i < 1000; i++)
        {
            axis.Step(3, 1 / 30.0, -1000, 1000);
        }
        Assert.Equal(30, axis.Integral, 9);
    }

    [Fact]
    public void Long_frame_intervals_cap_the_share_corrected_per_frame()
    {
        var axis = new PidAxis(Gains with { Ki = 0, MaxCorrectionPerFrame = 0.5 });
        // Kp·Δt would be 10 × 0.2 = 2 (200 % of the error a frame); the cap makes it 50 %.
        var rate = axis.Step(10, 0.2, -1000, 1000);
        Assert.Equal(0.5 * 10, rate * 0.2, 9);
    }

    [Fact]
    public void Derivative_reacts_to_a_change_in_error()
    {
        var axis = new PidAxis(Gains with { Ki = 0, Kd = 0.5, DerivativeFilterSeconds = 0 });
        axis.Step(1, 0.1, -1000, 1000);
        var rate = axis.Step(2, 0.1, -1000, 1000);
        Assert.Equal(10 * 2 + 0.5 * (2 - 1) / 0.1, rate, 9);
    }

    [Fact]
    public void Only_errors_within_the_integral_zone_are_learned()
    {
        var axis = new PidAxis(Gains with { IntegralZoneDeg = 2 });
        axis.Step(10, 0.1, -1000, 1000);
        Assert.Equal(0, axis.Integral);
        axis.Step(1.5, 0.1, -1000, 1000);
        Assert.Equal(20 * 1.5 * 0.1, axis.Integral, 9);
    }

    [Fact]
    public void Inside_the_dead_band_the_integral_fades()
    {
        var axis = new PidAxis(Gains with { DeadBandIntegralDecaySeconds = 0.1 });
        for (var i = 0; i < 30; i++)
        {
            axis.Step(2, 1 / 30.0, -1000, 1000);
        }
        var learned = axis.Integral;
        axis.Step(0.2, 0.1, -1000, 1000);
        Assert.Equal(learned * Math.Exp(-1), axis.Integral, 9);
    }
}
