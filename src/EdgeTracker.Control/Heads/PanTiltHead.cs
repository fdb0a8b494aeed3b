using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Servos;

namespace EdgeTracker.Control.Heads;

/// <summary>
/// Something that points the camera: takes head angles (degrees, already inside the servos' soft limits) and puts
/// the servos there. Implementations: <see cref="Pca9685PanTiltHead"/> (servos on a PCA9685) and
/// <see cref="VirtualPanTiltHead"/> (no hardware). Calls come one at a time (the controller serialises them).
/// </summary>
public abstract class PanTiltHead : IDisposable
{
    /// <summary>The driver name as in <see cref="PanTiltOptions.Driver"/>.</summary>
    public abstract string Driver { get; }

    /// <summary>Commands the servos to the given head angles.</summary>
    public abstract void MoveTo(double panDeg, double tiltDeg);

    /// <summary>Stops driving the servos (PWM off: they go limp and draw no holding current).</summary>
    public abstract void Release();

    /// <summary>Closes the hardware; the servos keep their last pulse (the PCA9685 runs on its own).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// The head <paramref name="options"/> select: a PCA9685 on <c>/dev/i2c-{Bus}</c> at <c>Address</c>, or the
    /// virtual head. <paramref name="openBus"/> replaces the Linux bus (tests pass a <c>Pca9685Simulator</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    /// <exception cref="I2cException">The bus cannot be opened or the chip does not answer.</exception>
    public static PanTiltHead Create(PanTiltOptions options, Func<int, int, II2cDevice>? openBus = null)
    {
        PanTiltController.ThrowIfInvalid(options);
        var pan = new Servo(options.Pan);
        var tilt = new Servo(options.Tilt);
        if (options.Driver == PanTiltOptions.VirtualDriver)
        {
            return new VirtualPanTiltHead(pan, tilt);
        }
        var bus = openBus is null ? new LinuxI2cDevice(options.Bus, options.Address) : openBus(options.Bus, options.Address);
        try
        {
            var chip = new Pca9685(bus, options.PwmFrequencyHz, options.OscillatorHz);
            return new Pca9685PanTiltHead(chip, pan, tilt);
        }
        catch
        {
            bus.Dispose();
            throw;
        }
    }
}

/// <summary>Pan and tilt servos on two channels of a PCA9685.</summary>
public sealed class Pca9685PanTiltHead : PanTiltHead
{
    private readonly Pca9685 _chip;
    private double _lastPanPulse = double.NaN, _lastTiltPulse = double.NaN;

    /// <summary>Drives <paramref name="pan"/> and <paramref name="tilt"/> through <paramref name="chip"/> (owned).</summary>
    public Pca9685PanTiltHead(Pca9685 chip, Servo pan, Servo tilt)
    {
        _chip = chip ?? throw new ArgumentNullException(nameof(chip));
        Pan = pan ?? throw new ArgumentNullException(nameof(pan));
        Tilt = tilt ?? throw new ArgumentNullException(nameof(tilt));
    }

    /// <inheritdoc />
    public override string Driver => PanTiltOptions.Pca9685Driver;

    /// <summary>The pan servo model.</summary>
    public Servo Pan { get; }

    /// <summary>The tilt servo model.</summary>
    public Servo Tilt { get; }

    /// <summary>The chip.</summary>
    public Pca9685 Chip => _chip;

    /// <inheritdoc />
    public override void MoveTo(double panDeg, double tiltDeg)
    {
        // Skip unchanged channels: the head often holds still, and each write is a bus transaction.
        var panPulse = Pan.PulseFor(panDeg);
        if (panPulse != _lastPanPulse)
        {
            _lastPanPulse = double.NaN;
            _chip.SetPulseWidth(Pan.Channel, panPulse);
            _lastPanPulse = panPulse;
        }
        var tiltPulse = Tilt.PulseFor(tiltDeg);
        if (tiltPulse != _lastTiltPulse)
        {
            _lastTiltPulse = double.NaN;
            _chip.SetPulseWidth(Tilt.Channel, tiltPulse);
            _lastTiltPulse = tiltPulse;
        }
    }

    /// <inheritdoc />
    public override void Release()
    {
        _lastPanPulse = _lastTiltPulse = double.NaN;
        _chip.SetChannelOff(Pan.Channel);
        _chip.SetChannelOff(Tilt.Channel);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chip.Dispose();
        }
    }
}

/// <summary>
/// A head with no hardware: remembers the commanded angles and models where real servos would be, turning toward
/// the command at their maximum speed. Selected with <c>driver: virtual</c> so the loop can be seen working anywhere.
/// </summary>
public sealed class VirtualPanTiltHead : PanTiltHead
{
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private double _panCommand, _tiltCommand, _panPosition, _tiltPosition;
    private long _positionTimestamp;

    /// <summary>Creates the head at the servos' home angles.</summary>
    public VirtualPanTiltHead(Servo pan, Servo tilt, TimeProvider? time = null)
    {
        Pan = pan ?? throw new ArgumentNullException(nameof(pan));
        Tilt = tilt ?? throw new ArgumentNullException(nameof(tilt));
        _time = time ?? TimeProvider.System;
        _panCommand = _panPosition = pan.HomeDeg;
        _tiltCommand = _tiltPosition = tilt.HomeDeg;
        _positionTimestamp = _time.GetTimestamp();
    }

    /// <inheritdoc />
    public override string Driver => PanTiltOptions.VirtualDriver;

    /// <summary>The pan servo model.</summary>
    public Servo Pan { get; }

    /// <summary>The tilt servo model.</summary>
    public Servo Tilt { get; }

    /// <summary>Moves commanded so far.</summary>
    public long MoveCount { get; private set; }

    /// <summary>Whether <see cref="Release"/> was called since the last move.</summary>
    public bool IsReleased { get; private set; }

    /// <summary>The last commanded angles.</summary>
    public (double PanDeg, double TiltDeg) Commanded
    {
        get { lock (_gate) { return (_panCommand, _tiltCommand); } }
    }

    /// <summary>Where the servos are now: moving toward the command at their maximum speed.</summary>
    public (double PanDeg, double TiltDeg) Position
    {
        get
        {
            lock (_gate)
            {
                AdvanceTo(_time.GetTimestamp());
                return (_panPosition, _tiltPosition);
            }
        }
    }

    /// <inheritdoc />
    public override void MoveTo(double panDeg, double tiltDeg)
    {
        lock (_gate)
        {
            AdvanceTo(_time.GetTimestamp());
            _panCommand = Pan.Clamp(panDeg);
            _tiltCommand = Tilt.Clamp(tiltDeg);
            MoveCount++;
            IsReleased = false;
        }
    }

    /// <inheritdoc />
    public override void Release()
    {
        lock (_gate)
        {
            AdvanceTo(_time.GetTimestamp());
            // A limp servo stays where it is.
            _panCommand = _panPosition;
            _tiltCommand = _tiltPosition;
            IsReleased = true;
        }
    }

    private void AdvanceTo(long now)
    {
        var seconds = _time.GetElapsedTime(_positionTimestamp, now).TotalSeconds;
        _positionTimestamp = now;
        _panPosition = Pan.StepToward(_panPosition, _panCommand, seconds);
        _tiltPosition = Tilt.StepToward(_tiltPosition, _tiltCommand, seconds);
    }
}
