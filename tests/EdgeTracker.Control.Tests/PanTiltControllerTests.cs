using EdgeTracker.Control.Heads;
using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Servos;
using EdgeTracker.Control.Tests.Support;

namespace EdgeTracker.Control.Tests;

public sealed class PanTiltControllerTests
{
    // 90° horizontal FOV on a 640×480 frame: focal length 320 px, so x = 480 is atan(0.5) = 26.57° right.
    private const int Width = 640, Height = 480;
    private static readonly PanTiltOptions Options = new() { HorizontalFovDeg = 90 };

    private readonly ManualTimeProvider _clock = new();

    private PanTiltController Create(PanTiltOptions? options = null, bool enable = true)
    {
        options ??= Options;
        var head = new VirtualPanTiltHead(new Servo(options.Pan), new Servo(options.Tilt), _clock);
        return new PanTiltController(options, head, enable);
    }

    private TargetObservation Seen(double x, double y) => TargetObservation.Seen(x, y, Width, Height, _clock.Now);

    private TargetObservation Lost() => TargetObservation.Lost(Width, Height, _clock.Now);

    /// <summary>Feeds one frame, then moves the clock one frame interval on.</summary>
    private void Frame(PanTiltController controller, TargetObservation observation, double fps = 30)
    {
        controller.Update(observation);
        _clock.Advance(1 / fps);
    }

    [Fact]
    public void Starts_at_home_and_disabled_unless_asked()
    {
        using var controller = Create(Options with { Pan = Options.Pan with { HomeDeg = 10 } }, enable: false);
        Assert.Equal(PanTiltState.Disabled, controller.State);
        Assert.Equal((10.0, 0.0), ((VirtualPanTiltHead)controller.Head).Commanded);
    }

    [Fact]
    public void A_target_right_of_and_above_centre_turns_the_head_right_and_up()
    {
        using var controller = Create();
        Frame(controller, Seen(400, 200));
        Frame(controller, Seen(400, 200));

        var status = controller.Status;
        Assert.Equal(PanTiltState.Tracking, status.State);
        Assert.True(status.PanDeg > 0);
        Assert.True(status.TiltDeg > 0);
        Assert.Equal(Math.Atan(80 / 320.0) * 180 / Math.PI, status.PanErrorDeg, 9);
        Assert.Equal(Math.Atan(40 / 320.0) * 180 / Math.PI, status.TiltErrorDeg, 9);
    }

    [Fact]
    public void A_large_error_moves_the_head_no_faster_than_the_slew_limit()
    {
        using var controller = Create();
        Frame(controller, Seen(480, 240));
        Frame(controller, Seen(480, 240));

        // 26.6° of error would ask for ~400 deg/s; the slew limit allows 120 deg/s, 4° in one 30 fps frame.
        Assert.Equal(120 / 30.0, controller.Status.PanDeg, 6);
        Assert.Equal(0, controller.Status.TiltDeg);
    }

    [Fact]
    public void The_slew_limit_is_capped_by_the_servo_speed()
    {
        using var controller = Create(Options with { Pan = Options.Pan with { MaxSpeedDegPerSecond = 60 } });
        Frame(controller, Seen(480, 240));
        Frame(controller, Seen(480, 240));
        Assert.Equal(60 / 30.0, controller.Status.PanDeg, 6);
    }

    [Fact]
    public void An_error_inside_the_dead_band_leaves_the_head_still()
    {
        using var controller = Create();
        for (var i = 0; i < 30; i++)
        {
            Frame(controller, Seen(322, 238)); // 0.36° off
        }
        Assert.Equal(0, controller.Status.PanDeg);
        Assert.Equal(0, controller.Status.TiltDeg);
    }

    [Fact]
    public void Disabled_it_reports_the_error_but_does_not_move()
    {
        using var controller = Create(enable: false);
        for (var i = 0; i < 10; i++)
        {
            Frame(controller, Seen(600, 100));
        }
        var status = controller.Status;
        Assert.Equal(0, status.PanDeg);
        Assert.True(status.PanErrorDeg > 20);
        Assert.Equal(PanTiltState.Disabled, status.State);

        controller.Enable();
        Frame(controller, Seen(600, 100));
        Frame(controller, Seen(600, 100));
        Assert.True(controller.Status.PanDeg > 0);
    }

    [Fact]
    public void A_lost_target_is_held_then_the_head_returns_home_at_the_home_speed()
    {
        using var controller = Create(Options with { LostHoldSeconds = 0.98, HomeSpeedDegPerSecond = 30 }); // 1 s less clock rounding
        controller.Nudge(20, -10);
        Frame(controller, Seen(320, 240));
        Frame(controller, Seen(320, 240));
        Assert.Equal(PanTiltState.Tracking, controller.State);

        for (var i = 0; i < 29; i++)
        {
            Frame(controller, Lost());
            Assert.Equal(PanTiltState.Holding, controller.State);
            Assert.Equal(20, controller.Status.PanDeg);
            Assert.Equal(-10, controller.Status.TiltDeg);
        }

        Frame(controller, Lost()); // 30 frames = one second since the target was last seen
        Assert.Equal(PanTiltState.Returning, controller.State);
        Assert.Equal(19, controller.Status.PanDeg, 6);
        Assert.Equal(-9, controller.Status.TiltDeg, 6);

        for (var i = 0; i < 60 && controller.State == PanTiltState.Returning; i++)
        {
            Frame(controller, Lost());
        }
        Assert.Equal(PanTiltState.Idle, controller.State);
        Assert.Equal((0.0, 0.0), ((VirtualPanTiltHead)controller.Head).Commanded);
    }

    [Fact]
    public void A_target_that_comes_back_during_the_hold_is_followed_again()
    {
        using var controller = Create();
        Frame(controller, Seen(320, 240));
        Frame(controller, Lost());
        Assert.Equal(PanTiltState.Holding, controller.State);
        Frame(controller, Seen(400, 240));
        Frame(controller, Seen(400, 240));
        Assert.Equal(PanTiltState.Tracking, controller.State);
        Assert.True(controller.Status.PanDeg > 0);
    }

    [Fact]
    public void When_frames_stop_the_watchdog_stops_the_loop_and_parks_at_home()
    {
        using var controller = Create(Options with { FrameTimeoutSeconds = 2 });
        controller.Nudge(15, 5);
        Frame(controller, Seen(500, 240));
        Frame(controller, Seen(500, 240));
        Assert.NotEqual(0, controller.Status.PanDeg);

        _clock.Advance(1.5);
        controller.Poll(_clock.Now);
        Assert.Equal(PanTiltState.Tracking, controller.State);

        _clock.Advance(1);
        controller.Poll(_clock.Now);
        Assert.Equal(PanTiltState.Parked, controller.State);
        Assert.Equal((0.0, 0.0), ((VirtualPanTiltHead)controller.Head).Commanded);

        // Frames again: the loop picks up where the target is.
        Frame(controller, Seen(500, 240));
        Frame(controller, Seen(500, 240));
        Assert.Equal(PanTiltState.Tracking, controller.State);
        Assert.True(controller.Status.PanDeg > 0);
    }

    [Fact]
    public void Nudge_and_home_move_the_head_within_the_soft_limits()
    {
        using var controller = Create();
        controller.Nudge(50, 0);
        controller.Nudge(50, 100);
        Assert.Equal(80, controller.Status.PanDeg);
        Assert.Equal(60, controller.Status.TiltDeg);
        Assert.Equal((80.0, 60.0), ((VirtualPanTiltHead)controller.Head).Commanded);

        controller.Home();
        Assert.Equal(0, controller.Status.PanDeg);
        Assert.Equal(0, controller.Status.TiltDeg);
    }

    [Theory]
    [InlineData(double.NaN, 0)]
    [InlineData(0, double.PositiveInfinity)]
    [InlineData(181, 0)]
    public void A_nudge_that_is_not_an_angle_is_refused_with_the_value(double pan, double tilt)
    {
        using var controller = Create();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => controller.Nudge(pan, tilt));
        Assert.True(error.ActualValue is double value && (value.Equals(pan) || value.Equals(tilt)));
        Assert.Equal(0, controller.Status.PanDeg);
    }

    [Fact]
    public void Bad_observations_count_as_no_target_and_never_move_the_head()
    {
        using var controller = Create();
        Frame(controller, Seen(320, 240));
        Frame(controller, Seen(double.NaN, 100));
        Frame(controller, Seen(double.PositiveInfinity, 100));
        Frame(controller, TargetObservation.Seen(100, 100, 0, -5, _clock.Now));
        Assert.Equal(PanTiltState.Holding, controller.State);
        Assert.Equal(0, controller.Status.PanDeg);
    }

    [Fact]
    public void A_repeated_timestamp_is_ignored()
    {
        using var controller = Create();
        Frame(controller, Seen(480, 240));
        controller.Update(Seen(480, 240));
        var pan = controller.Status.PanDeg;
        controller.Update(Seen(480, 240)); // same capture time again
        Assert.Equal(pan, controller.Status.PanDeg);
    }

    [Fact]
    public void Gains_are_per_second_so_the_frame_rate_does_not_change_the_motion()
    {
        // A constant 1.5° error held for one second, at 30 and at 60 frames a second.
        double PanAfterOneSecond(double fps)
        {
            using var controller = Create();
            var x = 320 + 320 * Math.Tan(1.5 * Math.PI / 180);
            for (var i = 0; i <= fps; i++)
            {
                Frame(controller, Seen(x, 240), fps);
            }
            return controller.Status.PanDeg;
        }

        var at30 = PanAfterOneSecond(30);
        var at60 = PanAfterOneSecond(60);
        var gains = Options.Gains;
        var expected = gains.Kp * 1.5 + gains.Ki * 1.5 / 2; // ∫₀¹ (Kp·e + Ki·e·t) dt
        Assert.InRange(at30, 0.9 * expected, 1.1 * expected);
        Assert.InRange(at60 - at30, -3, 3);
    }

    [Fact]
    public void Head_failures_are_counted_and_kept_but_never_thrown_into_the_frame_loop()
    {
        var chip = new Pca9685Simulator(busId: 7, address: 0x40);
        var options = Options with { Driver = PanTiltOptions.Pca9685Driver };
        using var controller = new PanTiltController(options, PanTiltHead.Create(options, (_, _) => chip), enable: true);
        Frame(controller, Seen(320, 240));
        chip.InjectFaults(3);

        Frame(controller, Seen(500, 240));
        Frame(controller, Seen(500, 240));

        var status = controller.Status;
        Assert.True(status.HeadErrors >= 1);
        var error = Assert.IsType<I2cException>(controller.LastHeadError);
        Assert.Contains("bus 7", error.Message);

        for (var i = 0; i < 5; i++)
        {
            Frame(controller, Seen(500, 240));
        }
        Assert.True(chip.PulseWidthMicroseconds(0) > 1500, "the head moves again once the bus recovers");
    }

    [Fact]
    public void Update_allocates_nothing()
    {
        var chip = new Pca9685Simulator();
        var options = Options with { Driver = PanTiltOptions.Pca9685Driver };
        using var controller = new PanTiltController(options, PanTiltHead.Create(options, (_, _) => chip), enable: true);
        using var virtualController = Create();
        for (var i = 0; i < 10; i++)
        {
            Frame(controller, Seen(330 + i, 250));
            Frame(virtualController, Seen(330 + i, 250));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            var observation = i % 50 < 40 ? Seen(200 + i % 300, 100 + i % 200) : Lost();
            controller.Update(observation);
            virtualController.Update(observation);
            _ = controller.Status;
            _clock.Advance(1 / 30.0);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}

/// <summary>The factory and the timer-driven watchdog, on the real clock.</summary>
public sealed class PanTiltControllerWatchdogTests
{
    [Fact]
    public void Create_builds_the_configured_head_enabled_and_its_watchdog_parks_a_stalled_loop()
    {
        // 2 s: long enough that a loaded machine cannot stall between the frames and the Tracking check.
        var options = new PanTiltOptions { Enabled = true, Driver = "pca9685", FrameTimeoutSeconds = 2 };
        Pca9685Simulator? chip = null;
        using var controller = PanTiltController.Create(options, (bus, address) => chip = new Pca9685Simulator(bus, address));
        Assert.IsType<Pca9685PanTiltHead>(controller.Head);
        Assert.Equal(PanTiltState.Idle, controller.State);

        controller.Update(TargetObservation.Seen(600, 100, 640, 480, System.Diagnostics.Stopwatch.GetTimestamp() - System.Diagnostics.Stopwatch.Frequency / 30));
        controller.Update(TargetObservation.Seen(600, 100, 640, 480, System.Diagnostics.Stopwatch.GetTimestamp()));
        Assert.Equal(PanTiltState.Tracking, controller.State);
        Assert.True(controller.Status.PanDeg > 0);

        // No more frames: the watchdog timer (every 100 ms) parks the head after 2 s; allow a loaded machine 30 s.
        Assert.True(SpinWait.SpinUntil(() => controller.State == PanTiltState.Parked, TimeSpan.FromSeconds(30)),
            $"still {controller.State} long after the frame timeout");
        Assert.Equal(0, controller.Status.PanDeg);
        Assert.InRange(chip!.PulseWidthMicroseconds(0), 1495, 1505);
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void Create_refuses_invalid_options_before_touching_any_bus()
    {
        var opened = false;
        var error = Assert.Throws<ArgumentException>(() => PanTiltController.Create(
            new PanTiltOptions { Driver = "pca9685", Pan = new() { Channel = 20 } },
            (bus, address) => { opened = true; return new Pca9685Simulator(bus, address); }));
        Assert.Contains("panTilt.pan.channel", error.Message);
        Assert.False(opened);
    }
}
