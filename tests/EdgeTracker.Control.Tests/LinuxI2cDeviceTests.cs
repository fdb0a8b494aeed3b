using EdgeTracker.Control.I2c;

namespace EdgeTracker.Control.Tests;

/// <summary>
/// No I2C bus exists on the build machine, so these exercise what can run here: the native binding loads, and each
/// failure on the way to a device gives an exception naming the bus, the address and the C library's errno text.
/// </summary>
public sealed class LinuxI2cDeviceTests
{
    [Fact]
    public void Opening_a_missing_bus_names_the_bus_the_address_and_the_errno_text()
    {
        var error = Assert.Throws<I2cException>(() => new LinuxI2cDevice(97, 0x40));

        Assert.Equal(97, error.BusId);
        Assert.Equal(0x40, error.Address);
        Assert.Equal(2, error.Errno);
        Assert.Contains("/dev/i2c-97", error.Message);
        Assert.Contains("0x40", error.Message);
        Assert.Contains("No such file or directory", error.Message);
        Assert.Contains("docs/pan-tilt.md", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_i2c_bus_fails_at_the_I2C_SLAVE_ioctl_with_the_kernel_reason()
    {
        // /dev/null opens fine but has no ioctls: this reaches the ioctl path the real bus uses.
        var error = Assert.Throws<I2cException>(() => new LinuxI2cDevice("/dev/null", 3, 0x41));

        Assert.Equal(25, error.Errno); // ENOTTY
        Assert.Contains("I2C_SLAVE", error.Message);
        Assert.Contains("Inappropriate ioctl", error.Message);
        Assert.Contains("bus 3", error.Message);
        Assert.Contains("0x41", error.Message);
    }

    [Theory]
    [InlineData(0x07)]
    [InlineData(0x78)]
    [InlineData(-1)]
    public void An_address_outside_the_7_bit_device_range_is_refused_with_the_value(int address)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxI2cDevice(1, address));
        Assert.Equal(address, error.ActualValue);
    }

    [Fact]
    public void A_negative_bus_number_is_refused_with_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxI2cDevice(-2, 0x40));
        Assert.Equal(-2, error.ActualValue);
    }

    [Fact]
    public void Write_goes_through_write_2_and_a_failing_write_carries_the_errno_text()
    {
        using (var sink = new LinuxI2cDevice("/dev/null", 5, 0x40, bindAddress: false))
        {
            sink.Write([0x06, 0x00, 0x00, 0xDC, 0x05]); // accepted whole
        }
        using var full = new LinuxI2cDevice("/dev/full", 5, 0x40, bindAddress: false);
        var error = Assert.Throws<I2cException>(() => full.Write([0x06, 0x00, 0x00, 0xDC, 0x05]));
        Assert.Equal(28, error.Errno); // ENOSPC: /dev/full refuses every write
        Assert.Contains("write of 5 byte(s) failed", error.Message);
        Assert.Contains("No space left on device", error.Message);
    }

    [Fact]
    public void WriteRead_is_one_I2C_RDWR_transfer_and_its_failure_names_it()
    {
        using var device = new LinuxI2cDevice("/dev/null", 5, 0x40, bindAddress: false);
        var read = new byte[4];
        var error = Assert.Throws<I2cException>(() => device.WriteRead([0x06], read));
        Assert.Equal(25, error.Errno);
        Assert.Contains("ioctl I2C_RDWR", error.Message);
    }

    [Fact]
    public void Using_a_disposed_device_throws_instead_of_touching_a_reused_descriptor()
    {
        var device = new LinuxI2cDevice("/dev/null", 5, 0x40, bindAddress: false);
        device.Dispose();
        device.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => device.Write([1]));
    }
}
