using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Tests.Support;

namespace EdgeTracker.Control.Tests;

/// <summary>
/// The simulator itself, driven with raw bus bytes: it must behave like the chip and catch what a real chip would
/// silently ignore, or the driver tests that rely on it would prove nothing.
/// </summary>
public sealed class Pca9685SimulatorTests
{
    private const byte Mode1 = (byte)Pca9685Register.Mode1, PreScale = (byte)Pca9685Register.PreScale, Led0 = (byte)Pca9685Register.Led0OnL;

    [Fact]
    public void Powers_up_asleep_with_the_data_sheet_defaults()
    {
        var chip = new Pca9685Simulator();
        Assert.Equal(0x11, chip.Register(Pca9685Register.Mode1));
        Assert.Equal(0x04, chip.Register(Pca9685Register.Mode2));
        Assert.Equal(0x1E, chip.Register(Pca9685Register.PreScale));
        Assert.Equal(0x10, chip.Register(Pca9685Register.Led0OffH));
    }

    [Fact]
    public void A_prescale_write_while_awake_is_ignored_and_recorded()
    {
        var chip = new Pca9685Simulator();
        chip.Write([Mode1, 0x01]); // wake
        chip.Write([PreScale, 121]);

        Assert.Equal(0x1E, chip.Register(Pca9685Register.PreScale));
        Assert.Contains(chip.Violations, v => v.Contains("PRE_SCALE write of 121 while MODE1.SLEEP is 0"));
    }

    [Fact]
    public void A_prescale_below_3_is_forced_to_3_and_recorded()
    {
        var chip = new Pca9685Simulator();
        chip.Write([PreScale, 1]);
        Assert.Equal(3, chip.Register(Pca9685Register.PreScale));
        Assert.Single(chip.Violations);
    }

    [Fact]
    public void Restart_written_right_after_wake_is_recorded_as_too_early()
    {
        var clock = new ManualTimeProvider();
        var chip = new Pca9685Simulator(time: clock);
        chip.Write([Mode1, 0x21]); // awake, auto-increment
        chip.Write([Led0, 0, 0, 0xDC, 0x05]);
        chip.Write([Mode1, 0x31]); // sleep with PWM running: RESTART gets set
        Assert.Equal(0x80, chip.Register(Pca9685Register.Mode1) & 0x80);

        chip.Write([Mode1, 0x21]);
        clock.Advance(400e-6);
        chip.Write([Mode1, 0xA1]); // only 400 µs after wake

        Assert.Contains(chip.Violations, v => v.Contains("500 µs"));
        Assert.Equal(0x80, chip.Register(Pca9685Register.Mode1) & 0x80); // the chip did not restart

        clock.Advance(200e-6);
        chip.Write([Mode1, 0xA1]); // 600 µs: fine
        Assert.Single(chip.Violations);
        Assert.Equal(0, chip.Register(Pca9685Register.Mode1) & 0x80);
    }

    [Fact]
    public void Equal_on_and_off_counts_are_recorded()
    {
        var chip = new Pca9685Simulator();
        chip.Write([Mode1, 0x21]);
        chip.Write([(byte)(Led0 + 8), 0x10, 0x01, 0x10, 0x01]); // channel 2: ON = OFF = 0x110
        Assert.Contains(chip.Violations, v => v.StartsWith("Channel 2: ON and OFF counts both 272"));
    }

    [Fact]
    public void Auto_increment_walks_the_registers_and_wraps_from_channel_15_to_MODE1()
    {
        var chip = new Pca9685Simulator();
        chip.Write([Mode1, 0x21]);
        chip.Write([(byte)Pca9685Register.Led15OffH, 0x01, 0x21, 0x04]); // LED15_OFF_H, then MODE1, then MODE2

        Assert.Equal(0x01, chip.Register(Pca9685Register.Led15OffH));
        Assert.Equal(0x21, chip.Register(Pca9685Register.Mode1));
        Assert.Equal(0x04, chip.Register(Pca9685Register.Mode2));
    }

    [Fact]
    public void Without_auto_increment_every_byte_lands_in_the_same_register()
    {
        var chip = new Pca9685Simulator();
        chip.Write([Mode1, 0x01]); // awake, AI off
        chip.Write([Led0, 1, 2, 3]);
        Assert.Equal(3, chip.Register(Pca9685Register.Led0OnL));
        Assert.Equal(0, chip.Register(Pca9685Register.Led0OnH));
    }

    [Fact]
    public void All_led_registers_load_every_channel_and_read_back_as_zero()
    {
        var chip = new Pca9685Simulator();
        chip.Write([Mode1, 0x21]);
        chip.Write([(byte)Pca9685Register.AllLedOnL, 0, 0, 0x33, 0x01]);
        Span<byte> read = stackalloc byte[4];
        chip.WriteRead([(byte)Pca9685Register.AllLedOnL], read);

        Assert.Equal([0, 0, 0, 0], read.ToArray());
        for (var channel = 0; channel < 16; channel++)
        {
            // One count lasts (PRE_SCALE + 1) / 25 MHz = 31 / 25 µs at the power-up prescale of 30.
            Assert.Equal(0x133 * 31 / 25.0, chip.PulseWidthMicroseconds(channel), 6);
        }
    }

    [Fact]
    public void Reserved_registers_are_not_acknowledged()
    {
        var chip = new Pca9685Simulator(busId: 2, address: 0x44);
        var error = Assert.Throws<I2cException>(() => chip.Write([0x50, 0x00]));
        Assert.Equal(121, error.Errno);
        Assert.Contains("0x50", error.Message);
    }

    [Fact]
    public void Writing_the_test_mode_register_is_recorded()
    {
        var chip = new Pca9685Simulator();
        chip.Write([(byte)Pca9685Register.TestMode, 0x01]);
        Assert.Single(chip.Violations);
    }
}
