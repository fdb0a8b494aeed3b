using EdgeTracker.Control.I2c;

namespace EdgeTracker.Control.Pwm;

/// <summary>
/// A register-level PCA9685 behind the <see cref="II2cDevice"/> interface, for tests and for running the real
/// driver without hardware. It behaves as the chip does: power-up register values, the control-register pointer with
/// auto-increment (wrapping 0x45 → 0x00 and 0xFE → 0x00), PRE_SCALE writes blocked while awake and clamped to 3,
/// RESTART set on sleeping with PWM running and cleared by writing 1 or by a PWM register write, ALL_LED registers
/// that load every channel and read back as zero, and no acknowledge for reserved registers (an
/// <see cref="I2cException"/> with EREMOTEIO, as Linux reports a NACK).
/// </summary>
/// <remarks>
/// Where the real chip silently ignores or misbehaves on a write (PRE_SCALE while awake, prescale below 3, RESTART
/// within 500 µs of wake, equal ON and OFF counts, the test-mode register), the simulator does the same and also
/// appends a sentence to <see cref="Violations"/>, so tests can assert that a driver never does any of it.
/// </remarks>
public sealed class Pca9685Simulator : II2cDevice
{
    private const int EREMOTEIO = 121;
    private const byte FullBit = 0x10;
    private static readonly double OscillatorSettleSeconds = 500e-6;

    private readonly byte[] _registers = new byte[256];
    private readonly List<string> _violations = [];
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private byte _pointer;
    private long _wokeAt = long.MinValue;
    private int _faultsToInject;
    private int _faultErrno;

    /// <summary>Creates a chip in its power-up state.</summary>
    /// <param name="busId">The bus number it pretends to sit on.</param>
    /// <param name="address">Its 7-bit address.</param>
    /// <param name="oscillatorHz">The simulated oscillator's true frequency; set it off 25 MHz to exercise calibration.</param>
    /// <param name="time">The clock the 500 µs oscillator settle is judged by (tests pass a manual one).</param>
    public Pca9685Simulator(int busId = 1, int address = Pca9685.DefaultAddress, double oscillatorHz = Pca9685.NominalOscillatorHz,
        TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        BusId = busId;
        Address = address;
        OscillatorHz = oscillatorHz;
        PowerOn();
    }

    /// <inheritdoc />
    public int BusId { get; }

    /// <inheritdoc />
    public int Address { get; }

    /// <summary>The simulated oscillator's true frequency.</summary>
    public double OscillatorHz { get; }

    /// <summary>Every data-sheet rule a master broke, in order, as sentences.</summary>
    public IReadOnlyList<string> Violations
    {
        get { lock (_gate) { return _violations.ToArray(); } }
    }

    /// <summary>Write transactions seen (each <see cref="Write"/> or <see cref="WriteRead"/> counts once).</summary>
    public int Transactions { get; private set; }

    /// <summary>Whether the device has been disposed (closed by its owner).</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>MODE1.SLEEP.</summary>
    public bool IsSleeping => (Register(Pca9685Register.Mode1) & (byte)Pca9685Mode1.Sleep) != 0;

    /// <summary>The PWM frequency the outputs run at: true oscillator / (4096 · (PRE_SCALE + 1)).</summary>
    public double PwmFrequencyHz => OscillatorHz / (4096.0 * (Register(Pca9685Register.PreScale) + 1));

    /// <summary>A register's current content (as stored, not as read over the bus).</summary>
    public byte Register(Pca9685Register register)
    {
        lock (_gate) { return _registers[(int)register]; }
    }

    /// <summary>
    /// The pulse <paramref name="channel"/> puts out, in microseconds of real time (the true oscillator): 0 when the
    /// output is fully off or the chip sleeps, a full period when fully on.
    /// </summary>
    public double PulseWidthMicroseconds(int channel)
    {
        lock (_gate)
        {
            if (IsSleeping)
            {
                return 0;
            }
            var baseRegister = (int)Pca9685Register.Led0OnL + 4 * channel;
            var on = _registers[baseRegister] | (_registers[baseRegister + 1] << 8);
            var off = _registers[baseRegister + 2] | (_registers[baseRegister + 3] << 8);
            var period = 1e6 / PwmFrequencyHz;
            if ((off & (FullBit << 8)) != 0)
            {
                return 0;
            }
            if ((on & (FullBit << 8)) != 0)
            {
                return period;
            }
            var counts = ((off & 0x0FFF) - (on & 0x0FFF) + 4096) % 4096;
            return counts * period / 4096;
        }
    }

    /// <summary>Makes the next <paramref name="count"/> transfers fail as the bus would, with <paramref name="errno"/>.</summary>
    public void InjectFaults(int count, int errno = EREMOTEIO)
    {
        lock (_gate)
        {
            _faultsToInject = count;
            _faultErrno = errno;
        }
    }

    /// <summary>Returns every register to its power-up value.</summary>
    public void PowerOn()
    {
        lock (_gate)
        {
            Array.Clear(_registers);
            _registers[(int)Pca9685Register.Mode1] = (byte)(Pca9685Mode1.Sleep | Pca9685Mode1.AllCall);
            _registers[(int)Pca9685Register.Mode2] = (byte)Pca9685Mode2.OutDrv;
            _registers[(int)Pca9685Register.SubAddress1] = 0xE2;
            _registers[(int)Pca9685Register.SubAddress2] = 0xE4;
            _registers[(int)Pca9685Register.SubAddress3] = 0xE8;
            _registers[(int)Pca9685Register.AllCallAddress] = 0xE0;
            for (var channel = 0; channel < 16; channel++)
            {
                _registers[(int)Pca9685Register.Led0OffH + 4 * channel] = FullBit;
            }
            _registers[(int)Pca9685Register.PreScale] = 0x1E;
            _pointer = 0;
            _wokeAt = long.MinValue;
        }
    }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            BeginTransfer();
            if (data.IsEmpty)
            {
                return;
            }
            SelectRegister(data[0]);
            var pwmWritten = false;
            for (var i = 1; i < data.Length; i++)
            {
                pwmWritten |= WriteByte(_pointer, data[i]);
                Advance();
            }
            if (pwmWritten)
            {
                // MODE2.OCH = 0: outputs update at STOP, and a PWM register write followed by STOP clears RESTART.
                _registers[(int)Pca9685Register.Mode1] &= unchecked((byte)~Pca9685Mode1.Restart);
                CheckCounts();
            }
        }
    }

    /// <inheritdoc />
    public void WriteRead(ReadOnlySpan<byte> write, Span<byte> read)
    {
        lock (_gate)
        {
            BeginTransfer();
            if (!write.IsEmpty)
            {
                SelectRegister(write[0]);
                for (var i = 1; i < write.Length; i++)
                {
                    WriteByte(_pointer, write[i]);
                    Advance();
                }
            }
            for (var i = 0; i < read.Length; i++)
            {
                read[i] = _pointer is >= (byte)Pca9685Register.AllLedOnL and <= (byte)Pca9685Register.AllLedOffH
                    ? (byte)0
                    : _registers[_pointer];
                Advance();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => IsDisposed = true;

    private void BeginTransfer()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(Pca9685Simulator));
        }
        Transactions++;
        if (_faultsToInject > 0)
        {
            _faultsToInject--;
            throw new I2cException(
                $"I2C bus {BusId} (simulated), device 0x{Address:X2}: transfer failed: errno {_faultErrno} " +
                $"({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(_faultErrno)}).", BusId, Address, _faultErrno);
        }
    }

    private void SelectRegister(byte register)
    {
        if (register is > (byte)Pca9685Register.Led15OffH and < (byte)Pca9685Register.AllLedOnL)
        {
            throw new I2cException(
                $"I2C bus {BusId} (simulated), device 0x{Address:X2}: register 0x{register:X2} is reserved and was not " +
                $"acknowledged: errno {EREMOTEIO} (Remote I/O error).", BusId, Address, EREMOTEIO);
        }
        _pointer = register;
    }

    private void Advance()
    {
        if ((_registers[(int)Pca9685Register.Mode1] & (byte)Pca9685Mode1.AutoIncrement) == 0)
        {
            return;
        }
        _pointer = _pointer switch
        {
            (byte)Pca9685Register.Led15OffH => 0,
            (byte)Pca9685Register.PreScale => 0,
            (byte)Pca9685Register.TestMode => 0,
            _ => (byte)(_pointer + 1),
        };
    }

    /// <summary>Applies one data byte as the chip would; returns whether it was a PWM register.</summary>
    private bool WriteByte(byte register, byte value)
    {
        switch (register)
        {
            case (byte)Pca9685Register.Mode1:
                WriteMode1(value);
                return false;
            case (byte)Pca9685Register.PreScale:
                if (!IsSleeping)
                {
                    _violations.Add($"PRE_SCALE write of {value} while MODE1.SLEEP is 0: the chip ignores it.");
                    return false;
                }
                if (value < Pca9685.MinPrescale)
                {
                    _violations.Add($"PRE_SCALE write of {value}: below the hardware minimum, the chip uses 3.");
                    value = Pca9685.MinPrescale;
                }
                _registers[register] = value;
                return false;
            case (byte)Pca9685Register.TestMode:
                _violations.Add($"TestMode register written with 0x{value:X2}: reserved, unpredictable on a real chip.");
                _registers[register] = value;
                return false;
            case >= (byte)Pca9685Register.AllLedOnL and <= (byte)Pca9685Register.AllLedOffH:
                var offset = register - (int)Pca9685Register.AllLedOnL;
                for (var channel = 0; channel < 16; channel++)
                {
                    _registers[(int)Pca9685Register.Led0OnL + 4 * channel + offset] = (byte)(offset % 2 == 1 ? value & 0x1F : value);
                }
                return true;
            case >= (byte)Pca9685Register.Led0OnL and <= (byte)Pca9685Register.Led15OffH:
                // Bits 7:5 of the high bytes are reserved and read as zero.
                _registers[register] = (byte)((register - (int)Pca9685Register.Led0OnL) % 2 == 1 ? value & 0x1F : value);
                return true;
            default:
                _registers[register] = value;
                return false;
        }
    }

    private void WriteMode1(byte value)
    {
        var old = (Pca9685Mode1)_registers[(int)Pca9685Register.Mode1];
        var requested = (Pca9685Mode1)value;
        var next = requested & ~Pca9685Mode1.Restart;
        // EXTCLK is sticky: once set only a power cycle clears it.
        next |= old & Pca9685Mode1.ExternalClock;
        var restart = old & Pca9685Mode1.Restart;

        var goingToSleep = (old & Pca9685Mode1.Sleep) == 0 && (next & Pca9685Mode1.Sleep) != 0;
        var waking = (old & Pca9685Mode1.Sleep) != 0 && (next & Pca9685Mode1.Sleep) == 0;
        if (goingToSleep && AnyChannelRunning())
        {
            restart = Pca9685Mode1.Restart;
        }
        if (waking)
        {
            _wokeAt = _time.GetTimestamp();
        }
        if ((requested & Pca9685Mode1.Restart) != 0)
        {
            if ((next & Pca9685Mode1.Sleep) != 0)
            {
                _violations.Add("MODE1.RESTART written while SLEEP is set: the channels cannot restart.");
            }
            else if (waking || (_wokeAt != long.MinValue && _time.GetElapsedTime(_wokeAt).TotalSeconds < OscillatorSettleSeconds))
            {
                _violations.Add("MODE1.RESTART written less than 500 µs after SLEEP was cleared: the oscillator is not stable.");
            }
            else
            {
                restart = Pca9685Mode1.None;
            }
        }
        _registers[(int)Pca9685Register.Mode1] = (byte)(next | restart);
    }

    private bool AnyChannelRunning()
    {
        for (var channel = 0; channel < 16; channel++)
        {
            if ((_registers[(int)Pca9685Register.Led0OffH + 4 * channel] & FullBit) == 0)
            {
                return true;
            }
        }
        return false;
    }

    private void CheckCounts()
    {
        for (var channel = 0; channel < 16; channel++)
        {
            var r = (int)Pca9685Register.Led0OnL + 4 * channel;
            var on = _registers[r] | (_registers[r + 1] << 8);
            var off = _registers[r + 2] | (_registers[r + 3] << 8);
            if (((on | off) & (FullBit << 8)) == 0 && on == off)
            {
                _violations.Add($"Channel {channel}: ON and OFF counts both {on}: the data sheet forbids equal counts.");
            }
        }
    }
}
