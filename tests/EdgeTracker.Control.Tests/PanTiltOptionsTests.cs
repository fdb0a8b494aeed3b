namespace EdgeTracker.Control.Tests;

public sealed class PanTiltOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new PanTiltOptions().Validate());

    public static TheoryData<PanTiltOptions, string> Broken() => new()
    {
        { new PanTiltOptions { Driver = "pwm9000" }, "panTilt.driver" },
        { new PanTiltOptions { Bus = -1 }, "panTilt.bus" },
        { new PanTiltOptions { Address = 0x80 }, "panTilt.address" },
        { new PanTiltOptions { PwmFrequencyHz = 30 }, "panTilt.pwmFrequencyHz" },
        { new PanTiltOptions { PwmFrequencyHz = 20 }, "panTilt.pwmFrequencyHz" },
        { new PanTiltOptions { PwmFrequencyHz = double.NaN }, "panTilt.pwmFrequencyHz" },
        { new PanTiltOptions { OscillatorHz = 0 }, "panTilt.oscillatorHz" },
        { new PanTiltOptions { Pan = new() { Channel = 16 } }, "panTilt.pan.channel" },
        { new PanTiltOptions { Tilt = new() { Channel = 0 } }, "panTilt.tilt.channel" },
        { new PanTiltOptions { Pan = new() { MinPulseUs = 2000, MaxPulseUs = 1000 } }, "panTilt.pan.maxPulseUs" },
        { new PanTiltOptions { Pan = new() { MaxPulseUs = 25_000 } }, "panTilt.pan.maxPulseUs" },
        { new PanTiltOptions { Tilt = new() { Channel = 1, SoftMinDeg = 10, SoftMaxDeg = 5 } }, "panTilt.tilt.softMaxDeg" },
        { new PanTiltOptions { Tilt = new() { Channel = 1, SoftMaxDeg = 120 } }, "panTilt.tilt.softMinDeg" },
        { new PanTiltOptions { Pan = new() { HomeDeg = 85 } }, "panTilt.pan.homeDeg" },
        { new PanTiltOptions { Pan = new() { CenterTrimDeg = 50, SoftMinDeg = -30, SoftMaxDeg = 30 } }, "panTilt.pan.centerTrimDeg" },
        { new PanTiltOptions { Pan = new() { MaxSpeedDegPerSecond = 0 } }, "panTilt.pan.maxSpeedDegPerSecond" },
        { new PanTiltOptions { Gains = new() { Kp = 0 } }, "panTilt.gains.kp" },
        { new PanTiltOptions { Gains = new() { Ki = -1 } }, "panTilt.gains.ki" },
        { new PanTiltOptions { Gains = new() { DeadBandDeg = double.PositiveInfinity } }, "panTilt.gains.deadBandDeg" },
        { new PanTiltOptions { Gains = new() { MaxSlewDegPerSecond = -5 } }, "panTilt.gains.maxSlewDegPerSecond" },
        { new PanTiltOptions { Gains = new() { MaxCorrectionPerFrame = 1.5 } }, "panTilt.gains.maxCorrectionPerFrame" },
        { new PanTiltOptions { HorizontalFovDeg = 190 }, "panTilt.horizontalFovDeg" },
        { new PanTiltOptions { VerticalFovDeg = -3 }, "panTilt.verticalFovDeg" },
        { new PanTiltOptions { LostHoldSeconds = -1 }, "panTilt.lostHoldSeconds" },
        { new PanTiltOptions { FrameTimeoutSeconds = 0 }, "panTilt.frameTimeoutSeconds" },
        { new PanTiltOptions { Pan = null! }, "panTilt.pan" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_problem_is_reported_under_its_key(PanTiltOptions options, string key)
    {
        var errors = options.Validate();
        var error = Assert.Single(errors);
        Assert.Equal(key, error.Key);
        Assert.False(string.IsNullOrWhiteSpace(error.Problem));
    }

    [Fact]
    public void Problems_name_the_offending_value_and_use_the_given_prefix()
    {
        var errors = new PanTiltOptions { Driver = "pwm9000", Address = 0x90 }.Validate("cameras[0].panTilt");
        Assert.Equal(["cameras[0].panTilt.driver", "cameras[0].panTilt.address"], errors.Select(e => e.Key).ToArray());
        Assert.Contains("'pwm9000'", errors[0].Problem);
        Assert.Contains("0x90", errors[1].Problem);
    }

    [Fact]
    public void The_controller_refuses_invalid_options_listing_every_problem()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new PanTiltController(new PanTiltOptions { Bus = -1, Gains = new() { Kp = 0 } }, new Heads.VirtualPanTiltHead(
                new Servos.Servo(new()), new Servos.Servo(new() { Channel = 1 }))));
        Assert.Contains("panTilt.bus", error.Message);
        Assert.Contains("panTilt.gains.kp", error.Message);
    }
}
