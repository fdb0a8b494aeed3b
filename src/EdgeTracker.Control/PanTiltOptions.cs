using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Servos;

namespace EdgeTracker.Control;

/// <summary>
/// Everything the pan-tilt needs from configuration. Plain init-only properties with working defaults, so any
/// binder (JSON, YAML, Microsoft.Extensions.Configuration) can fill it; <see cref="Validate"/> names every problem.
/// </summary>
public sealed record PanTiltOptions
{
    /// <summary>The driver names <see cref="Driver"/> accepts.</summary>
    public const string Pca9685Driver = "pca9685", VirtualDriver = "virtual";

    /// <summary>Whether the daemon drives a head at all.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>pca9685</c> (real servos on I2C) or <c>virtual</c> (no hardware; angles only).</summary>
    public string Driver { get; init; } = VirtualDriver;

    /// <summary>I2C bus number, the N of /dev/i2c-N (header pins 3/5: 7 on Orin, 1 on Nano / Xavier NX).</summary>
    public int Bus { get; init; } = 7;

    /// <summary>PCA9685 7-bit address (0x40 with no address jumpers).</summary>
    public int Address { get; init; } = Pca9685.DefaultAddress;

    /// <summary>Servo PWM frequency, Hz.</summary>
    public double PwmFrequencyHz { get; init; } = 50;

    /// <summary>The PCA9685 oscillator's measured frequency, Hz (calibration; nominal 25 MHz).</summary>
    public double OscillatorHz { get; init; } = Pca9685.NominalOscillatorHz;

    /// <summary>The pan servo.</summary>
    public ServoOptions Pan { get; init; } = new() { Channel = 0 };

    /// <summary>The tilt servo.</summary>
    public ServoOptions Tilt { get; init; } = new() { Channel = 1, SoftMinDeg = -45, SoftMaxDeg = 60 };

    /// <summary>Loop gains, dead band, slew limit.</summary>
    public PanTiltGains Gains { get; init; } = new();

    /// <summary>Camera horizontal field of view, degrees (IMX219 / Raspberry Pi camera v2: 62.2).</summary>
    public double HorizontalFovDeg { get; init; } = 62.2;

    /// <summary>Camera vertical field of view, degrees; 0 derives it from the frame's aspect ratio (square pixels).</summary>
    public double VerticalFovDeg { get; init; }

    /// <summary>After the target is lost, hold still this long before returning home, seconds.</summary>
    public double LostHoldSeconds { get; init; } = 3;

    /// <summary>Speed of the return home after a loss, deg/s.</summary>
    public double HomeSpeedDegPerSecond { get; init; } = 30;

    /// <summary>No frame for this long (seconds) ⇒ stop moving and park at home.</summary>
    public double FrameTimeoutSeconds { get; init; } = 2;

    /// <summary>Frame intervals longer than this (seconds) are treated as this long, so one stall cannot make a huge step.</summary>
    public double MaxFrameIntervalSeconds { get; init; } = 0.25;

    /// <summary>
    /// Every problem with these options as (key, problem) pairs; empty when they are usable. Keys are the config
    /// paths under <paramref name="prefix"/>, e.g. <c>panTilt.pan.channel</c>.
    /// </summary>
    public IReadOnlyList<PanTiltOptionsError> Validate(string prefix = "panTilt")
    {
        var errors = new List<PanTiltOptionsError>();
        void Check(bool ok, string key, string problem)
        {
            if (!ok)
            {
                errors.Add(new PanTiltOptionsError($"{prefix}.{key}", problem));
            }
        }
        static bool Finite(double v) => double.IsFinite(v);

        Check(Driver is Pca9685Driver or VirtualDriver, "driver", $"'{Driver}' is not a driver; use '{Pca9685Driver}' or '{VirtualDriver}'.");
        Check(Bus >= 0, "bus", $"{Bus} is not a bus number (/dev/i2c-N needs N ≥ 0).");
        Check(Address is >= 0x08 and <= 0x77, "address", $"0x{Address:X2} is outside the 7-bit device range 0x08..0x77 (PCA9685: 0x40..0x7F minus 0x70 all-call).");
        Check(Finite(OscillatorHz) && OscillatorHz is >= 1e6 and <= 50e6, "oscillatorHz", $"{OscillatorHz} Hz is not a plausible oscillator (internal 25 MHz ±few %, external up to 50 MHz).");
        var frequencyOk = Finite(PwmFrequencyHz) && PwmFrequencyHz > 0;
        Check(frequencyOk, "pwmFrequencyHz", $"{PwmFrequencyHz} is not a positive frequency.");
        if (frequencyOk && Finite(OscillatorHz) && OscillatorHz > 0)
        {
            var prescale = Math.Round(OscillatorHz / (4096 * PwmFrequencyHz)) - 1;
            if (prescale is < Pca9685.MinPrescale or > Pca9685.MaxPrescale)
            {
                Check(false, "pwmFrequencyHz", $"{PwmFrequencyHz} Hz needs prescale {prescale}, outside the chip's 3..255.");
            }
            else
            {
                Check(PwmFrequencyHz is >= 40 and <= 400, "pwmFrequencyHz", $"{PwmFrequencyHz} Hz is not a servo frequency (40..400 Hz; analog servos want 50).");
            }
        }

        var periodUs = frequencyOk ? 1e6 / PwmFrequencyHz : double.PositiveInfinity;
        ValidateServo(Pan, "pan", periodUs, Check);
        ValidateServo(Tilt, "tilt", periodUs, Check);
        if (Pan is not null && Tilt is not null)
        {
            Check(Pan.Channel != Tilt.Channel, "tilt.channel", $"channel {Tilt.Channel} is also the pan channel.");
        }

        if (Gains is null)
        {
            Check(false, "gains", "missing.");
        }
        else
        {
            Check(Finite(Gains.Kp) && Gains.Kp > 0 && Gains.Kp <= 50, "gains.kp", $"{Gains.Kp} is outside 0 (exclusive)..50 per second.");
            Check(Finite(Gains.Ki) && Gains.Ki is >= 0 and <= 100, "gains.ki", $"{Gains.Ki} is outside 0..100 per second².");
            Check(Finite(Gains.Kd) && Gains.Kd is >= 0 and <= 5, "gains.kd", $"{Gains.Kd} is outside 0..5.");
            Check(Finite(Gains.DerivativeFilterSeconds) && Gains.DerivativeFilterSeconds is >= 0 and <= 5, "gains.derivativeFilterSeconds", $"{Gains.DerivativeFilterSeconds} s is outside 0..5 s.");
            Check(Finite(Gains.DeadBandDeg) && Gains.DeadBandDeg is >= 0 and <= 10, "gains.deadBandDeg", $"{Gains.DeadBandDeg}° is outside 0..10°.");
            Check(Finite(Gains.MaxSlewDegPerSecond) && Gains.MaxSlewDegPerSecond > 0 && Gains.MaxSlewDegPerSecond <= 2000, "gains.maxSlewDegPerSecond", $"{Gains.MaxSlewDegPerSecond} deg/s is outside 0 (exclusive)..2000.");
            Check(Finite(Gains.MaxCorrectionPerFrame) && Gains.MaxCorrectionPerFrame is > 0 and <= 1, "gains.maxCorrectionPerFrame", $"{Gains.MaxCorrectionPerFrame} is outside 0 (exclusive)..1.");
            Check(Finite(Gains.IntegralZoneDeg) && Gains.IntegralZoneDeg >= 0, "gains.integralZoneDeg", $"{Gains.IntegralZoneDeg}° cannot be negative.");
            Check(Finite(Gains.DeadBandIntegralDecaySeconds) && Gains.DeadBandIntegralDecaySeconds >= 0, "gains.deadBandIntegralDecaySeconds", $"{Gains.DeadBandIntegralDecaySeconds} s cannot be negative.");
            Check(Finite(Gains.IntegralLimitDegPerSecond) && Gains.IntegralLimitDegPerSecond >= 0, "gains.integralLimitDegPerSecond", $"{Gains.IntegralLimitDegPerSecond} deg/s cannot be negative.");
        }

        Check(Finite(HorizontalFovDeg) && HorizontalFovDeg is > 1 and < 179, "horizontalFovDeg", $"{HorizontalFovDeg}° is not a field of view (1..179°).");
        Check(VerticalFovDeg == 0 || (Finite(VerticalFovDeg) && VerticalFovDeg is > 1 and < 179), "verticalFovDeg", $"{VerticalFovDeg}° is not a field of view (0 = from the aspect ratio, else 1..179°).");
        Check(Finite(LostHoldSeconds) && LostHoldSeconds >= 0, "lostHoldSeconds", $"{LostHoldSeconds} s cannot be negative.");
        Check(Finite(HomeSpeedDegPerSecond) && HomeSpeedDegPerSecond > 0, "homeSpeedDegPerSecond", $"{HomeSpeedDegPerSecond} deg/s must be positive.");
        Check(Finite(FrameTimeoutSeconds) && FrameTimeoutSeconds > 0, "frameTimeoutSeconds", $"{FrameTimeoutSeconds} s must be positive.");
        Check(Finite(MaxFrameIntervalSeconds) && MaxFrameIntervalSeconds > 0, "maxFrameIntervalSeconds", $"{MaxFrameIntervalSeconds} s must be positive.");
        return errors;
    }

    private static void ValidateServo(ServoOptions? servo, string name, double periodUs, Action<bool, string, string> check)
    {
        if (servo is null)
        {
            check(false, name, "missing.");
            return;
        }
        static bool Finite(double v) => double.IsFinite(v);
        check(servo.Channel is >= 0 and < Pca9685.ChannelCount, $"{name}.channel", $"{servo.Channel} is not a PCA9685 channel (0..15).");
        check(Finite(servo.MinPulseUs) && servo.MinPulseUs > 0, $"{name}.minPulseUs", $"{servo.MinPulseUs} µs must be positive.");
        check(Finite(servo.MaxPulseUs) && servo.MaxPulseUs > servo.MinPulseUs && servo.MaxPulseUs < periodUs, $"{name}.maxPulseUs",
            $"{servo.MaxPulseUs} µs must be above minPulseUs ({servo.MinPulseUs}) and below the PWM period ({periodUs:0} µs).");
        check(Finite(servo.MinAngleDeg) && Finite(servo.MaxAngleDeg) && servo.MaxAngleDeg > servo.MinAngleDeg && servo.MaxAngleDeg - servo.MinAngleDeg <= 360,
            $"{name}.maxAngleDeg", $"{servo.MinAngleDeg}..{servo.MaxAngleDeg}° is not an angle range (max above min, at most 360° wide).");
        check(Finite(servo.CenterTrimDeg) && Math.Abs(servo.CenterTrimDeg) <= 45, $"{name}.centerTrimDeg", $"{servo.CenterTrimDeg}° is outside ±45°.");
        check(Finite(servo.MaxSpeedDegPerSecond) && servo.MaxSpeedDegPerSecond > 0 && servo.MaxSpeedDegPerSecond <= 5000,
            $"{name}.maxSpeedDegPerSecond", $"{servo.MaxSpeedDegPerSecond} deg/s is outside 0 (exclusive)..5000.");
        var limitsOk = Finite(servo.SoftMinDeg) && Finite(servo.SoftMaxDeg) && servo.SoftMaxDeg > servo.SoftMinDeg;
        check(limitsOk, $"{name}.softMaxDeg", $"soft limits {servo.SoftMinDeg}..{servo.SoftMaxDeg}° need max above min.");
        if (limitsOk && Finite(servo.MinAngleDeg) && Finite(servo.MaxAngleDeg) && Finite(servo.CenterTrimDeg) && servo.MaxAngleDeg > servo.MinAngleDeg)
        {
            var low = servo.Inverted ? -(servo.MaxAngleDeg - servo.CenterTrimDeg) : servo.MinAngleDeg - servo.CenterTrimDeg;
            var high = servo.Inverted ? -(servo.MinAngleDeg - servo.CenterTrimDeg) : servo.MaxAngleDeg - servo.CenterTrimDeg;
            check(servo.SoftMinDeg >= low && servo.SoftMaxDeg <= high, $"{name}.softMinDeg",
                $"soft limits {servo.SoftMinDeg}..{servo.SoftMaxDeg}° go beyond what the servo reaches after trim ({low}..{high}°).");
            check(Finite(servo.HomeDeg) && servo.HomeDeg >= servo.SoftMinDeg && servo.HomeDeg <= servo.SoftMaxDeg, $"{name}.homeDeg",
                $"{servo.HomeDeg}° is outside the soft limits {servo.SoftMinDeg}..{servo.SoftMaxDeg}°.");
        }
    }
}

/// <summary>One configuration problem: the key (config path) and what is wrong with its value.</summary>
/// <param name="Key">The config path, e.g. <c>panTilt.gains.kp</c>.</param>
/// <param name="Problem">What is wrong, naming the offending value.</param>
public readonly record struct PanTiltOptionsError(string Key, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}: {Problem}";
}
