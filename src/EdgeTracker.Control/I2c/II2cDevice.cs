namespace EdgeTracker.Control.I2c;

/// <summary>
/// One device at one address on one I2C bus: the smallest surface a chip driver needs. Implementations are the
/// Linux i2c-dev bus (<see cref="LinuxI2cDevice"/>) and, in tests, register-level simulators of the chip.
/// Calls on the I/O path take spans so that a driver can keep its buffers on the stack.
/// </summary>
public interface II2cDevice : IDisposable
{
    /// <summary>The bus number (the N of <c>/dev/i2c-N</c>).</summary>
    int BusId { get; }

    /// <summary>The 7-bit device address.</summary>
    int Address { get; }

    /// <summary>Writes <paramref name="data"/> in one transaction (START, address+W, bytes, STOP).</summary>
    /// <exception cref="I2cException">The bus or the device refused the transfer.</exception>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>
    /// Writes <paramref name="write"/> then, after a repeated START, reads <paramref name="read"/>.Length bytes into
    /// <paramref name="read"/>: the usual "select register, read it" transaction.
    /// </summary>
    /// <exception cref="I2cException">The bus or the device refused the transfer.</exception>
    void WriteRead(ReadOnlySpan<byte> write, Span<byte> read);
}
