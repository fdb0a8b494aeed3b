using System.Runtime.InteropServices;

namespace EdgeTracker.Control.I2c;

/// <summary>
/// A device on a Linux I2C bus through the i2c-dev interface: opens <c>/dev/i2c-N</c>, binds the descriptor to the
/// device address with the <c>I2C_SLAVE</c> ioctl, writes with <c>write(2)</c> and does register reads as one
/// combined <c>I2C_RDWR</c> transfer (write, repeated START, read). No call allocates; every failure throws an
/// <see cref="I2cException"/> naming the bus, the address, the errno and its text.
/// </summary>
public sealed unsafe class LinuxI2cDevice : II2cDevice
{
    private const int EOPNOTSUPP = 95;

    private readonly I2cFileHandle _fd;

    /// <summary>Opens <c>/dev/i2c-<paramref name="busId"/></c> and binds it to <paramref name="address"/>.</summary>
    /// <param name="busId">The bus number: on a Jetson's 40-pin header, pins 3/5 are bus 7 (Orin) or 1 (Nano).</param>
    /// <param name="address">The 7-bit device address, 0x08..0x77.</param>
    /// <exception cref="ArgumentOutOfRangeException">The bus number or the address is out of range.</exception>
    /// <exception cref="I2cException">The bus cannot be opened or the address cannot be bound.</exception>
    public LinuxI2cDevice(int busId, int address)
        : this($"/dev/i2c-{ValidBus(busId)}", busId, address)
    {
    }

    /// <summary>
    /// Opens a given device node; lets tests exercise the native paths on files that are not I2C buses
    /// (<paramref name="bindAddress"/> false skips the I2C_SLAVE ioctl, which only an I2C adapter accepts).
    /// </summary>
    internal LinuxI2cDevice(string devicePath, int busId, int address, bool bindAddress = true)
    {
        if (address is < 0x08 or > 0x77)
        {
            throw new ArgumentOutOfRangeException(nameof(address), address,
                $"I2C address 0x{address:X2} is outside the 7-bit device range 0x08..0x77.");
        }
        BusId = busId;
        Address = address;
        DevicePath = devicePath;

        var fd = I2cDevNative.Open(devicePath, I2cDevNative.O_RDWR | I2cDevNative.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw Error($"cannot open {devicePath}", errno);
        }
        _fd = new I2cFileHandle(fd);
        if (bindAddress && I2cDevNative.Ioctl(_fd, I2cDevNative.I2C_SLAVE, address) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _fd.Dispose();
            throw Error("cannot bind the address (ioctl I2C_SLAVE)", errno);
        }
    }

    /// <inheritdoc />
    public int BusId { get; }

    /// <inheritdoc />
    public int Address { get; }

    /// <summary>The device node, e.g. <c>/dev/i2c-7</c>.</summary>
    public string DevicePath { get; }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var written = I2cDevNative.Write(_fd, p, (nuint)data.Length);
            if (written < 0)
            {
                throw Error($"write of {data.Length} byte(s) failed", Marshal.GetLastPInvokeError());
            }
            if (written != data.Length)
            {
                throw new I2cException(
                    $"I2C bus {BusId} ({DevicePath}), device 0x{Address:X2}: short write, {written} of {data.Length} byte(s).",
                    BusId, Address);
            }
        }
    }

    /// <inheritdoc />
    public void WriteRead(ReadOnlySpan<byte> write, Span<byte> read)
    {
        if (write.Length > ushort.MaxValue || read.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(read), "An I2C message holds at most 65535 bytes.");
        }
        fixed (byte* w = write)
        fixed (byte* r = read)
        {
            var messages = stackalloc I2cDevNative.I2cMessage[2];
            messages[0] = new I2cDevNative.I2cMessage { Address = (ushort)Address, Flags = 0, Length = (ushort)write.Length, Buffer = w };
            messages[1] = new I2cDevNative.I2cMessage { Address = (ushort)Address, Flags = I2cDevNative.I2C_M_RD, Length = (ushort)read.Length, Buffer = r };
            var data = new I2cDevNative.I2cRdwrData { Messages = messages, Count = 2 };
            if (I2cDevNative.Ioctl(_fd, I2cDevNative.I2C_RDWR, &data) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EOPNOTSUPP)
                {
                    throw Error($"write {write.Length} then read {read.Length} byte(s) (ioctl I2C_RDWR) failed", errno);
                }
                // An adapter without combined transfers: a STOP between the halves, which the PCA9685 accepts too.
                Write(write);
                var got = I2cDevNative.Read(_fd, r, (nuint)read.Length);
                if (got != read.Length)
                {
                    throw got < 0
                        ? Error($"read of {read.Length} byte(s) failed", Marshal.GetLastPInvokeError())
                        : new I2cException($"I2C bus {BusId} ({DevicePath}), device 0x{Address:X2}: short read, {got} of {read.Length} byte(s).", BusId, Address);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();

    private I2cException Error(string what, int errno) =>
        new($"I2C bus {BusId} ({DevicePath}), device 0x{Address:X2}: {what}: errno {errno} " +
            $"({Marshal.GetPInvokeErrorMessage(errno)}){Hint(errno)}.", BusId, Address, errno);

    /// <summary>What usually causes the errnos people meet on a Jetson, so the log says what to do.</summary>
    private static string Hint(int errno) => errno switch
    {
        2 => " - is I2C enabled and is this the right bus number? (see docs/pan-tilt.md)",
        13 => " - add the service user to the 'i2c' group",
        16 => " - a kernel driver already owns this address",
        6 or 121 => " - no device acknowledged: check wiring, power and the address jumpers",
        _ => "",
    };

    private static int ValidBus(int busId) =>
        busId >= 0 ? busId : throw new ArgumentOutOfRangeException(nameof(busId), busId, "The I2C bus number cannot be negative.");
}
