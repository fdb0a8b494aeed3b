using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Pwm;
using Driver = EdgeTracker.Control.Pwm.Pca9685;

namespace EdgeTracker.Control.Tests;

/// <summary>The PCA9685 driver against the register-level simulator; every test also checks the driver broke no data-sheet rule.</summary>
public sealed class Pca9685DriverTests
{
    [Theory]
    [InlineData(50, 121)]
    [InlineData(200, 30)] // the data sheet's own example: 200 Hz → 0x1E
    [InlineData(60, 101)]
    [InlineData(1526, 3)]
    [InlineData(24, 253)]
    public void Prescale_is_the_data_sheet_formula(double hz, int prescale) =>
        Assert.Equal(prescale, Driver.ComputePrescale(25_000_000, hz));

    [Theory]
    [InlineData(2000)]
    [InlineData(10)]
    [InlineData(0)]
    [InlineData(double.NaN)]
    public void A_frequency_outside_the_prescale_range_is_refused_with_the_value(double hz)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Driver.ComputePrescale(25_000_000, hz));
        Assert.Equal(hz, error.ActualValue);
    }

    [Fact]
    public void Initialisation_leaves_the_chip_awake_at_the_frequency_with_every_output_off()
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);

        Assert.False(chip.IsSleeping);
        Assert.Equal(121, chip.Register(Pca9685Register.PreScale));
        Assert.True(((Pca9685Mode1)chip.Register(Pca9685Register.Mode1)).HasFlag(Pca9685Mode1.AutoIncrement));
        Assert.Equal((byte)Pca9685Mode2.OutDrv, chip.Register(Pca9685Register.Mode2));
        Assert.Equal(25e6 / 4096 / 122, driver.PwmFrequencyHz, 9);
        for (var channel = 0; channel < 16; channel++)
        {
            Assert.Equal(0, chip.PulseWidthMicroseconds(channel));
        }
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void Initialising_a_chip_that_was_left_running_breaks_no_rule()
    {
        var chip = new Pca9685Simulator();
        using (var first = new Driver(chip, 50, ownsDevice: false))
        {
            first.SetPulseWidth(3, 1500);
        }
        using var second = new Driver(chip, 60);
        Assert.Equal(101, chip.Register(Pca9685Register.PreScale));
        Assert.Empty(chip.Violations);
    }

    [Theory]
    [InlineData(0, 1500)]
    [InlineData(7, 500)]
    [InlineData(15, 2500)]
    public void A_pulse_width_comes_out_of_the_channel_to_within_one_count(int channel, double microseconds)
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);

        driver.SetPulseWidth(channel, microseconds);

        var count = driver.PeriodMicroseconds / 4096;
        Assert.InRange(chip.PulseWidthMicroseconds(channel), microseconds - count / 2, microseconds + count / 2);
        Assert.Equal(chip.PulseWidthMicroseconds(channel), driver.GetPulseWidth(channel), 9);
        Assert.Equal(0, chip.PulseWidthMicroseconds((channel + 1) % 16));
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void The_oscillator_calibration_value_corrects_a_fast_oscillator()
    {
        // A chip whose oscillator runs 4 % fast: without calibration every pulse comes out ~4 % short.
        var fastChip = new Pca9685Simulator(oscillatorHz: 26_000_000);
        using (var uncalibrated = new Driver(fastChip, 50, ownsDevice: false))
        {
            uncalibrated.SetPulseWidth(0, 2000);
            Assert.InRange(fastChip.PulseWidthMicroseconds(0), 1900, 1930);
        }
        using var calibrated = new Driver(fastChip, 50, oscillatorHz: 26_000_000);
        calibrated.SetPulseWidth(0, 2000);
        Assert.InRange(fastChip.PulseWidthMicroseconds(0), 1995, 2005);
        Assert.InRange(fastChip.PwmFrequencyHz, 49.5, 50.5);
        Assert.Empty(fastChip.Violations);
    }

    [Fact]
    public void Changing_the_frequency_while_running_goes_through_sleep_and_restarts_the_channels()
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);
        driver.SetPulseWidth(2, 1500);

        driver.SetPwmFrequency(100);

        Assert.Equal(Driver.ComputePrescale(25e6, 100), chip.Register(Pca9685Register.PreScale));
        Assert.False(chip.IsSleeping);
        Assert.False(((Pca9685Mode1)chip.Register(Pca9685Register.Mode1)).HasFlag(Pca9685Mode1.Restart));
        // The counts are kept, so the same count is now half as long at twice the frequency.
        Assert.InRange(chip.PulseWidthMicroseconds(2), 745, 755);
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void Sleep_stops_the_pulses_and_wake_restarts_them_as_they_were()
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);
        driver.SetPulseWidth(0, 1200);
        driver.SetPulseWidth(1, 1800);

        driver.Sleep();
        Assert.True(driver.IsSleeping);
        Assert.Equal(0, chip.PulseWidthMicroseconds(0));
        Assert.True(((Pca9685Mode1)chip.Register(Pca9685Register.Mode1)).HasFlag(Pca9685Mode1.Restart));

        driver.Wake();
        Assert.False(driver.IsSleeping);
        Assert.InRange(chip.PulseWidthMicroseconds(0), 1195, 1205);
        Assert.InRange(chip.PulseWidthMicroseconds(1), 1795, 1805);
        Assert.False(((Pca9685Mode1)chip.Register(Pca9685Register.Mode1)).HasFlag(Pca9685Mode1.Restart));
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void AllOff_turns_every_output_off_in_one_transaction()
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);
        for (var channel = 0; channel < 16; channel++)
        {
            driver.SetPulseWidth(channel, 1000 + channel * 50);
        }
        var before = chip.Transactions;

        driver.AllOff();

        Assert.Equal(before + 1, chip.Transactions);
        for (var channel = 0; channel < 16; channel++)
        {
            Assert.Equal(0, chip.PulseWidthMicroseconds(channel));
            Assert.Equal(0, driver.GetPulseWidth(channel));
        }
        Assert.Empty(chip.Violations);
    }

    [Fact]
    public void A_zero_pulse_uses_full_off_never_equal_on_and_off_counts()
    {
        var chip = new Pca9685Simulator();
        using var driver = new Driver(chip, 50);
        driver.SetPulseWidth(4, 1500);

        driver.SetPulseWidth(4, 0);
        driver.SetPulseWidth(5, 0.5); // rounds to zero counts

        Assert.Equal(0, chip.PulseWidthMicroseconds(4));
        Assert.Equal(0, chip.PulseWidthMicroseconds(5));
        Assert.Empty(chip.Violations);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void A_channel_outside_0_to_15_is_refused_with_the_value(int channel)
    {
        using var driver = new Driver(new Pca9685Simulator(), 50);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetPulseWidth(channel, 1500));
        Assert.Equal(channel, error.ActualValue);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    [InlineData(20_000)]
    [InlineData(1e9)]
    public void A_pulse_that_is_negative_or_not_shorter_than_a_period_is_refused_with_the_value(double microseconds)
    {
        using var driver = new Driver(new Pca9685Simulator(), 50);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetPulseWidth(0, microseconds));
        Assert.Equal(microseconds, error.ActualValue);
    }

    [Fact]
    public void A_bus_failure_reaches_the_caller_as_an_I2cException_naming_the_device()
    {
        var chip = new Pca9685Simulator(busId: 7, address: 0x41);
        using var driver = new Driver(chip, 50);
        chip.InjectFaults(1);

        var error = Assert.Throws<I2cException>(() => driver.SetPulseWidth(0, 1500));
        Assert.Equal(121, error.Errno);
        Assert.Contains("0x41", error.Message);
        Assert.Contains("bus 7", error.Message);
        driver.SetPulseWidth(0, 1500); // the next transfer works again
        Assert.InRange(chip.PulseWidthMicroseconds(0), 1495, 1505);
    }

    [Fact]
    public void The_per_frame_write_allocates_nothing()
    {
        using var driver = new Driver(new Pca9685Simulator(), 50);
        driver.SetPulseWidth(0, 1500);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            driver.SetPulseWidth(i % 2, 1000 + i);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
