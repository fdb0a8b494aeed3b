using EdgeTracker.Control.Heads;
using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Servos;
using EdgeTracker.Control.Tests.Support;

namespace EdgeTracker.Control.Tests;

public sealed class PanTiltHeadTests
{
    [Fact]
    public void The_virtual_driver_needs_no_hardware()
    {
        using var head = PanTiltHead.Create(new PanTiltOptions { Driver = "virtual", Bus = 97 });
        Assert.IsType<VirtualPanTiltHead>(head);
        Assert.Equal("virtual", head.Driver);
    }

    [Fact]
    public void The_pca9685_driver_opens_the_configured_bus_and_says_so_when_it_is_missing()
    {
        var error = Assert.Throws<I2cException>(() => PanTiltHead.Create(new PanTiltOptions { Driver = "pca9685", Bus = 97, Address = 0x41 }));
        Assert.Contains("/dev/i2c-97", error.Message);
        Assert.Contains("0x41", error.Message);
    }

    [Fact]
    public void The_pca9685_head_puts_each_angle_on_its_servo_channel()
    {
        Pca9685Simulator? chip = null;
        var options = new PanTiltOptions
        {
            Driver = "pca9685",
            Pan = new ServoOptions { Channel = 4, MinPulseUs = 1000, MaxPulseUs = 2000, MinAngleDeg = -45, MaxAngleDeg = 45, SoftMinDeg = -40, SoftMaxDeg = 40 },
            Tilt = new ServoOptions { Channel = 9, Inverted = true, SoftMinDeg = -30, SoftMaxDeg = 30 },
        };
        using var head = PanTiltHead.Create(options, (bus, address) => chip = new Pca9685Simulator(bus, address));

        head.MoveTo(22.5, 10);

        Assert.InRange(chip!.PulseWidthMicroseconds(4), 1745, 1755);
        Assert.InRange(chip.PulseWidthMicroseconds(9), 1500 - 111.1 - 5, 1500 - 111.1 + 5); // inverted: up is a shorter pulse
        head.MoveTo(200, -200); // beyond every limit
        Assert.InRange(chip.PulseWidthMicroseconds(4), 1939, 1950); // +40° soft limit
        Assert.InRange(chip.PulseWidthMicroseconds(9), 1500 + 333.3 - 5, 1500 + 333.3 + 5); // −30° soft limit

        head.Release();
        Assert.Equal(0, chip.PulseWidthMicroseconds(4));
        Assert.Equal(0, chip.PulseWidthMicroseconds(9));
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void An_unchanged_angle_is_not_written_again()
    {
        Pca9685Simulator? chip = null;
        using var head = PanTiltHead.Create(new PanTiltOptions { Driver = "pca9685" }, (bus, address) => chip = new Pca9685Simulator(bus, address));
        head.MoveTo(5, 5);
        var transactions = chip!.Transactions;
        head.MoveTo(5, 5);
        Assert.Equal(transactions, chip.Transactions);
        head.MoveTo(6, 5);
        Assert.Equal(transactions + 1, chip.Transactions);
    }

    [Fact]
    public void Disposing_the_head_closes_the_bus()
    {
        Pca9685Simulator? chip = null;
        var head = PanTiltHead.Create(new PanTiltOptions { Driver = "pca9685" }, (bus, address) => chip = new Pca9685Simulator(bus, address));
        head.Dispose();
        Assert.True(chip!.IsDisposed);
    }

    [Fact]
    public void The_virtual_head_turns_toward_the_command_at_the_servo_speed()
    {
        var clock = new ManualTimeProvider();
        var head = new VirtualPanTiltHead(new Servo(new() { MaxSpeedDegPerSecond = 100 }), new Servo(new() { Channel = 1, MaxSpeedDegPerSecond = 50 }), clock);
        head.MoveTo(30, -30);
        clock.Advance(0.1);
        Assert.Equal((10.0, -5.0), head.Position);
        clock.Advance(1);
        Assert.Equal((30.0, -30.0), head.Position);
        Assert.Equal(1, head.MoveCount);
    }
}
