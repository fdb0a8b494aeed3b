namespace EdgeTracker.Control.I2c;

/// <summary>
/// An I2C transfer or bus operation failed. The message names the bus, the device address, the operation and,
/// for native failures, the errno and the C library's own text for it.
/// </summary>
public sealed class I2cException : IOException
{
    /// <summary>Creates the exception.</summary>
    public I2cException(string message, int busId, int address, int errno = 0, Exception? inner = null)
        : base(message, inner)
    {
        BusId = busId;
        Address = address;
        Errno = errno;
    }

    /// <summary>The bus number.</summary>
    public int BusId { get; }

    /// <summary>The 7-bit device address.</summary>
    public int Address { get; }

    /// <summary>The errno of the failing call, or 0 when the failure was not a native one.</summary>
    public int Errno { get; }
}
