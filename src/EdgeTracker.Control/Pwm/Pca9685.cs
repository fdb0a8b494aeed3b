using System.Buffers.Binary;
using EdgeTracker.Control.I2c;

namespace EdgeTracker.Control.Pwm;

/// <summary>
/// The NXP PCA9685 16-channel 12-bit PWM controller, driven as a servo controller: PWM frequency from the
/// prescaler (with the oscillator's measured frequency as a calibration value), pulse width in microseconds per
/// channel, sleep and wake with restart, all outputs off. The I/O path uses stack buffers only.
/// </summary>
/// <remarks>
/// Data sheet rules the driver keeps (the <see cref="Pca9685Simulator"/> records any breach): PRE_SCALE is written
/// only while MODE1.SLEEP is set, prescale stays within 3..255, RESTART is written no sooner than 500 µs after
/// SLEEP is cleared, ON and OFF counts of a channel are never equal, reserved and test registers are never written.
/// </remarks>
public sealed class Pca9685 : IDisposable
{
    /// <summary>The address with all address pins low (A5..A0 = 0): most servo boards ship with it.</summary>
    public const int DefaultAddress = 0x40;

    /// <summary>The nominal frequency of the internal oscillator; real parts differ by a few percent.</summary>
    public const double NominalOscillatorHz = 25_000_000;

    /// <summary>Number of PWM channels.</summary>
    public const int ChannelCount = 16;

    /// <summary>Counts per PWM period (12 bits).</summary>
    public const int CountsPerPeriod = 4096;

    /// <summary>The prescale values the hardware accepts.</summary>
    public const int MinPrescale = 3, MaxPrescale = 255;

    /// <summary>Bit 4 of LEDn_ON_H / LEDn_OFF_H: full on / full off.</summary>
    private const byte FullBit = 0x10;

    /// <summary>The oscillator settle time after SLEEP is cleared, with margin (the data sheet asks for 500 µs).</summary>
    private static readonly TimeSpan OscillatorSettle = TimeSpan.FromMilliseconds(1);

    private readonly II2cDevice _device;
    private readonly bool _ownsDevice;

    /// <summary>
    /// Initialises the chip: sleep, totem-pole outputs, the prescaler for <paramref name="pwmFrequencyHz"/>, every
    /// output off, auto-increment on, then wake and wait for the oscillator.
    /// </summary>
    /// <param name="device">The chip's I2C device.</param>
    /// <param name="pwmFrequencyHz">PWM frequency; analog servos want 50 Hz.</param>
    /// <param name="oscillatorHz">The oscillator's real frequency (calibration; see docs/pan-tilt.md).</param>
    /// <param name="ownsDevice">Dispose <paramref name="device"/> with the driver.</param>
    /// <exception cref="ArgumentOutOfRangeException">The frequency gives a prescale outside 3..255, or the oscillator
    /// frequency is not positive.</exception>
    /// <exception cref="I2cException">The chip did not answer.</exception>
    public Pca9685(II2cDevice device, double pwmFrequencyHz = 50, double oscillatorHz = NominalOscillatorHz, bool ownsDevice = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!(oscillatorHz > 0) || double.IsInfinity(oscillatorHz))
        {
            throw new ArgumentOutOfRangeException(nameof(oscillatorHz), oscillatorHz, "The oscillator frequency must be a positive number of Hz.");
        }
        _device = device;
        _ownsDevice = ownsDevice;
        OscillatorHz = oscillatorHz;
        var prescale = ComputePrescale(oscillatorHz, pwmFrequencyHz);

        WriteRegister(Pca9685Register.Mode1, (byte)(Pca9685Mode1.Sleep | Pca9685Mode1.AutoIncrement | Pca9685Mode1.AllCall));
        WriteRegister(Pca9685Register.Mode2, (byte)Pca9685Mode2.OutDrv);
        WriteRegister(Pca9685Register.PreScale, (byte)prescale);
        Prescale = prescale;
        AllOff();
        WriteRegister(Pca9685Register.Mode1, (byte)(Pca9685Mode1.AutoIncrement | Pca9685Mode1.AllCall));
        Thread.Sleep(OscillatorSettle);
    }

    /// <summary>The oscillator frequency the driver computes with (the calibration value).</summary>
    public double OscillatorHz { get; }

    /// <summary>The prescale value last written.</summary>
    public int Prescale { get; private set; }

    /// <summary>The PWM frequency the chip actually produces: oscillator / (4096 · (prescale + 1)).</summary>
    public double PwmFrequencyHz => OscillatorHz / (CountsPerPeriod * (Prescale + 1.0));

    /// <summary>One PWM period in microseconds.</summary>
    public double PeriodMicroseconds => 1e6 / PwmFrequencyHz;

    /// <summary>
    /// The data sheet's prescale: round(oscillator / (4096 · frequency)) − 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The result is outside the hardware's 3..255.</exception>
    public static int ComputePrescale(double oscillatorHz, double pwmFrequencyHz)
    {
        if (!(pwmFrequencyHz > 0) || double.IsInfinity(pwmFrequencyHz))
        {
            throw new ArgumentOutOfRangeException(nameof(pwmFrequencyHz), pwmFrequencyHz, "The PWM frequency must be a positive number of Hz.");
        }
        var prescale = Math.Round(oscillatorHz / (CountsPerPeriod * pwmFrequencyHz)) - 1;
        if (prescale is < MinPrescale or > MaxPrescale)
        {
            var low = oscillatorHz / (CountsPerPeriod * (MaxPrescale + 1.5));
            var high = oscillatorHz / (CountsPerPeriod * (MinPrescale + 0.5));
            throw new ArgumentOutOfRangeException(nameof(pwmFrequencyHz), pwmFrequencyHz,
                $"PWM frequency {pwmFrequencyHz} Hz needs prescale {prescale}, outside the chip's {MinPrescale}..{MaxPrescale} " +
                $"(with a {oscillatorHz / 1e6:0.###} MHz oscillator the range is about {low:0.#}..{high:0} Hz).");
        }
        return (int)prescale;
    }

    /// <summary>
    /// Changes the PWM frequency. PRE_SCALE only takes writes while asleep, so this sleeps the chip, writes it,
    /// wakes it, waits for the oscillator and restarts the channels that were running.
    /// </summary>
    public void SetPwmFrequency(double pwmFrequencyHz)
    {
        var prescale = ComputePrescale(OscillatorHz, pwmFrequencyHz);
        var mode1 = (Pca9685Mode1)ReadRegister(Pca9685Register.Mode1);
        var awake = mode1 & ~(Pca9685Mode1.Sleep | Pca9685Mode1.Restart);
        WriteRegister(Pca9685Register.Mode1, (byte)(awake | Pca9685Mode1.Sleep));
        WriteRegister(Pca9685Register.PreScale, (byte)prescale);
        Prescale = prescale;
        if ((mode1 & Pca9685Mode1.Sleep) == 0)
        {
            Wake();
        }
    }

    /// <summary>Puts the chip to sleep: oscillator off, no PWM. Channel registers are kept for <see cref="Wake"/>.</summary>
    public void Sleep()
    {
        var mode1 = (Pca9685Mode1)ReadRegister(Pca9685Register.Mode1);
        WriteRegister(Pca9685Register.Mode1, (byte)((mode1 & ~Pca9685Mode1.Restart) | Pca9685Mode1.Sleep));
    }

    /// <summary>
    /// Wakes the chip: clears SLEEP, waits for the oscillator (500 µs), then, when the chip reports RESTART (PWM was
    /// running when it went to sleep), writes RESTART so every channel resumes with its old pulse.
    /// </summary>
    public void Wake()
    {
        var mode1 = (Pca9685Mode1)ReadRegister(Pca9685Register.Mode1);
        if ((mode1 & Pca9685Mode1.Sleep) == 0)
        {
            return;
        }
        // Writing 0 to RESTART has no effect, so clearing SLEEP alone keeps the pending-restart flag readable.
        WriteRegister(Pca9685Register.Mode1, (byte)(mode1 & ~(Pca9685Mode1.Sleep | Pca9685Mode1.Restart)));
        Thread.Sleep(OscillatorSettle);
        if ((mode1 & Pca9685Mode1.Restart) != 0)
        {
            WriteRegister(Pca9685Register.Mode1, (byte)((mode1 & ~Pca9685Mode1.Sleep) | Pca9685Mode1.Restart));
        }
    }

    /// <summary>Whether the chip reports SLEEP set.</summary>
    public bool IsSleeping => ((Pca9685Mode1)ReadRegister(Pca9685Register.Mode1) & Pca9685Mode1.Sleep) != 0;

    /// <summary>
    /// Sets <paramref name="channel"/>'s pulse to <paramref name="microseconds"/> (rounded to the nearest count;
    /// 0 turns the output fully off). Pulses start at count 0 of the period.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The channel is not 0..15, or the pulse is negative, not a number,
    /// or not shorter than one period.</exception>
    public void SetPulseWidth(int channel, double microseconds)
    {
        CheckChannel(channel);
        var period = PeriodMicroseconds;
        if (!(microseconds >= 0) || microseconds >= period)
        {
            throw new ArgumentOutOfRangeException(nameof(microseconds), microseconds,
                $"Pulse width must be 0 or more and shorter than the {period:0.#} µs period at {PwmFrequencyHz:0.##} Hz.");
        }
        var counts = (int)Math.Round(microseconds / period * CountsPerPeriod);
        Span<byte> frame = stackalloc byte[5];
        frame[0] = ChannelRegister(channel);
        if (counts <= 0)
        {
            // ON == OFF must never be programmed; "full off" is the chip's own way of saying zero width.
            BinaryPrimitives.WriteUInt16LittleEndian(frame[1..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(frame[3..], FullBit << 8);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(frame[1..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(frame[3..], (ushort)Math.Min(counts, CountsPerPeriod - 1));
        }
        _device.Write(frame);
    }

    /// <summary>Reads <paramref name="channel"/>'s pulse back from the chip, in microseconds (0 when fully off).</summary>
    public double GetPulseWidth(int channel)
    {
        CheckChannel(channel);
        Span<byte> select = stackalloc byte[1];
        Span<byte> counts = stackalloc byte[4];
        select[0] = ChannelRegister(channel);
        _device.WriteRead(select, counts);
        var on = BinaryPrimitives.ReadUInt16LittleEndian(counts);
        var off = BinaryPrimitives.ReadUInt16LittleEndian(counts[2..]);
        if ((off & (FullBit << 8)) != 0)
        {
            return 0;
        }
        if ((on & (FullBit << 8)) != 0)
        {
            return PeriodMicroseconds;
        }
        var width = ((off & 0x0FFF) - (on & 0x0FFF) + CountsPerPeriod) % CountsPerPeriod;
        return width * PeriodMicroseconds / CountsPerPeriod;
    }

    /// <summary>Turns one channel fully off (the servo goes limp).</summary>
    public void SetChannelOff(int channel) => SetPulseWidth(channel, 0);

    /// <summary>Turns every output fully off in one write (ALL_LED_OFF_H bit 4).</summary>
    public void AllOff() => WriteRegister(Pca9685Register.AllLedOffH, FullBit);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsDevice)
        {
            _device.Dispose();
        }
    }

    /// <summary>Reads one register.</summary>
    public byte ReadRegister(Pca9685Register register)
    {
        Span<byte> select = stackalloc byte[1];
        Span<byte> value = stackalloc byte[1];
        select[0] = (byte)register;
        _device.WriteRead(select, value);
        return value[0];
    }

    private void WriteRegister(Pca9685Register register, byte value)
    {
        Span<byte> frame = stackalloc byte[2];
        frame[0] = (byte)register;
        frame[1] = value;
        _device.Write(frame);
    }

    private static byte ChannelRegister(int channel) => (byte)((int)Pca9685Register.Led0OnL + 4 * channel);

    private static void CheckChannel(int channel)
    {
        if (channel is < 0 or >= ChannelCount)
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, "PCA9685 channels are 0..15.");
        }
    }
}
