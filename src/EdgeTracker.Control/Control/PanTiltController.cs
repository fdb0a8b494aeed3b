using System.Diagnostics;
using EdgeTracker.Control.Geometry;
using EdgeTracker.Control.Heads;
using EdgeTracker.Control.I2c;
using EdgeTracker.Control.Servos;

namespace EdgeTracker.Control;

/// <summary>
/// Keeps a target centred: per frame, the target's pixel offset becomes an angle error through the camera's
/// pinhole geometry, a velocity-form PI(D) per axis turns it into a rate (dead band, anti-windup, slew limit, gains
/// scaled by the real frame interval), and the new angles, inside the servos' soft limits, go to the head.
/// Lost target: hold, then return home after <see cref="PanTiltOptions.LostHoldSeconds"/>. No frames for
/// <see cref="PanTiltOptions.FrameTimeoutSeconds"/> (seen by <see cref="Poll(long)"/>): stop and park at home.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="Update"/> from the tracking thread, commands from the command handler, <see cref="Poll(long)"/>
/// from a timer, <see cref="Status"/> from anywhere. <see cref="Update"/> allocates nothing. Head failures (I2C
/// errors) never escape <see cref="Update"/> or <see cref="Poll(long)"/>: they are counted and the last one kept.
/// </remarks>
public sealed class PanTiltController : IDisposable
{
    private readonly object _gate = new();
    private readonly PanTiltOptions _options;
    private readonly PanTiltHead _head;
    private readonly bool _ownsHead;
    private readonly Servo _pan, _tilt;
    private readonly PidAxis _panLoop, _tiltLoop;
    private readonly FieldOfView _fov;
    private readonly double _panRateLimit, _tiltRateLimit;

    private FrameGeometry _geometry;
    private bool _enabled;
    private PanTiltState _state = PanTiltState.Disabled;
    private double _panDeg, _tiltDeg, _panError, _tiltError;
    private long _lastFrameTimestamp, _lastSeenTimestamp, _frames, _headErrors;
    private bool _hasFrame;
    private Exception? _lastHeadError;
    private ITimer? _watchdog;

    /// <summary>Creates the loop over <paramref name="head"/> and commands it home. Starts disabled unless
    /// <paramref name="enable"/> is set.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public PanTiltController(PanTiltOptions options, PanTiltHead head, bool enable = false, bool ownsHead = true)
    {
        ThrowIfInvalid(options);
        _options = options;
        _head = head ?? throw new ArgumentNullException(nameof(head));
        _ownsHead = ownsHead;
        _pan = new Servo(options.Pan);
        _tilt = new Servo(options.Tilt);
        _panLoop = new PidAxis(options.Gains);
        _tiltLoop = new PidAxis(options.Gains);
        _fov = new FieldOfView(options.HorizontalFovDeg, options.VerticalFovDeg);
        _panRateLimit = Math.Min(options.Gains.MaxSlewDegPerSecond, _pan.MaxSpeedDegPerSecond);
        _tiltRateLimit = Math.Min(options.Gains.MaxSlewDegPerSecond, _tilt.MaxSpeedDegPerSecond);
        _panDeg = _pan.HomeDeg;
        _tiltDeg = _tilt.HomeDeg;
        lock (_gate)
        {
            MoveHead();
            if (enable)
            {
                _enabled = true;
                _state = PanTiltState.Idle;
            }
        }
    }

    /// <summary>
    /// Builds the head <paramref name="options"/> select (<see cref="PanTiltHead.Create"/>) and a controller over it with
    /// tracking enabled, and starts the frame watchdog. This is what a host calls when <see cref="PanTiltOptions.Enabled"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    /// <exception cref="I2cException">The I2C bus cannot be opened or the PCA9685 does not answer.</exception>
    public static PanTiltController Create(PanTiltOptions options, Func<int, int, II2cDevice>? openBus = null)
    {
        var controller = new PanTiltController(options, PanTiltHead.Create(options, openBus), enable: true);
        controller.StartWatchdog();
        return controller;
    }

    /// <summary>
    /// Calls <see cref="Poll()"/> every <paramref name="period"/> (default 100 ms) on a timer until disposed, so a
    /// stalled camera parks the head even though <see cref="Update"/> is no longer called. Idempotent.
    /// </summary>
    public void StartWatchdog(TimeSpan? period = null)
    {
        var every = period ?? TimeSpan.FromMilliseconds(100);
        if (every <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), every, "The watchdog period must be positive.");
        }
        lock (_gate)
        {
            _watchdog ??= TimeProvider.System.CreateTimer(static state => ((PanTiltController)state!).Poll(), this, every, every);
        }
    }

    /// <summary>The options in force.</summary>
    public PanTiltOptions Options => _options;

    /// <summary>The head being driven.</summary>
    public PanTiltHead Head => _head;

    /// <summary>What the loop is doing now.</summary>
    public PanTiltState State
    {
        get { lock (_gate) { return _state; } }
    }

    /// <summary>A snapshot of state, angles and errors (allocation-free).</summary>
    public PanTiltStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new PanTiltStatus(_state, _enabled, _head.Driver, _panDeg, _tiltDeg, _panError, _tiltError, _frames, _headErrors);
            }
        }
    }

    /// <summary>The last exception the head threw (null if none); <see cref="PanTiltStatus.HeadErrors"/> counts them.</summary>
    public Exception? LastHeadError
    {
        get { lock (_gate) { return _lastHeadError; } }
    }

    /// <summary>Turns automatic tracking on (the next visible target is followed).</summary>
    public void Enable()
    {
        lock (_gate)
        {
            _enabled = true;
            if (_state is PanTiltState.Disabled)
            {
                _state = PanTiltState.Idle;
            }
            ResetLoops();
        }
    }

    /// <summary>Turns automatic tracking off; the head stays where it is.</summary>
    public void Disable()
    {
        lock (_gate)
        {
            _enabled = false;
            _state = PanTiltState.Disabled;
            ResetLoops();
        }
    }

    /// <summary>Points the head home now (the servos move at their own speed). Tracking, if enabled, resumes on the
    /// next visible target.</summary>
    public void Home()
    {
        lock (_gate)
        {
            _panDeg = _pan.HomeDeg;
            _tiltDeg = _tilt.HomeDeg;
            if (_enabled)
            {
                _state = PanTiltState.Idle;
            }
            ResetLoops();
            MoveHead();
        }
    }

    /// <summary>Turns the head by the given angles (positive: right, up), within the soft limits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An angle is not finite or more than 180° in size.</exception>
    public void Nudge(double panDeg, double tiltDeg)
    {
        if (!double.IsFinite(panDeg) || Math.Abs(panDeg) > 180)
        {
            throw new ArgumentOutOfRangeException(nameof(panDeg), panDeg, "A nudge must be a finite angle of at most 180°.");
        }
        if (!double.IsFinite(tiltDeg) || Math.Abs(tiltDeg) > 180)
        {
            throw new ArgumentOutOfRangeException(nameof(tiltDeg), tiltDeg, "A nudge must be a finite angle of at most 180°.");
        }
        lock (_gate)
        {
            _panDeg = _pan.Clamp(_panDeg + panDeg);
            _tiltDeg = _tilt.Clamp(_tiltDeg + tiltDeg);
            ResetLoops();
            MoveHead();
        }
    }

    /// <summary>
    /// One frame's observation. Call it for every frame the tracker processed, with or without a target, at the
    /// frame's capture time. Observations with an unusable frame size or a non-finite position count as no target.
    /// </summary>
    public void Update(in TargetObservation observation)
    {
        lock (_gate)
        {
            _frames++;
            var dt = 0.0;
            if (_hasFrame)
            {
                var ticks = observation.Timestamp - _lastFrameTimestamp;
                if (ticks <= 0)
                {
                    return; // a repeated or out-of-order frame carries no new time: nothing to integrate
                }
                dt = Math.Min((double)ticks / Stopwatch.Frequency, _options.MaxFrameIntervalSeconds);
            }
            _hasFrame = true;
            _lastFrameTimestamp = observation.Timestamp;
            if (_state == PanTiltState.Parked)
            {
                _state = _enabled ? PanTiltState.Idle : PanTiltState.Disabled;
            }

            var usable = observation.Visible && observation.FrameWidth > 0 && observation.FrameHeight > 0
                && double.IsFinite(observation.X) && double.IsFinite(observation.Y);
            if (!usable)
            {
                _panError = _tiltError = 0;
                if (_enabled)
                {
                    NoTarget(observation.Timestamp, dt);
                }
                return;
            }

            if (_geometry.Width != observation.FrameWidth || _geometry.Height != observation.FrameHeight)
            {
                _geometry = _fov.ForFrame(observation.FrameWidth, observation.FrameHeight);
            }
            _panError = _geometry.PanAngleDeg(observation.X);
            _tiltError = _geometry.TiltAngleDeg(observation.Y);
            if (!_enabled)
            {
                return;
            }
            if (_state != PanTiltState.Tracking)
            {
                ResetLoops();
                _state = PanTiltState.Tracking;
            }
            _lastSeenTimestamp = observation.Timestamp;
            if (dt <= 0)
            {
                return;
            }
            _panDeg = StepAxis(_panLoop, _pan, _panDeg, _panError, dt, _panRateLimit);
            _tiltDeg = StepAxis(_tiltLoop, _tilt, _tiltDeg, _tiltError, dt, _tiltRateLimit);
            MoveHead();
        }
    }

    /// <summary>
    /// The frame watchdog: call it from a timer (every ~100 ms) with the current Stopwatch timestamp. When no frame
    /// has arrived for <see cref="PanTiltOptions.FrameTimeoutSeconds"/>, the loop stops and the head parks at home.
    /// </summary>
    public void Poll(long nowTimestamp)
    {
        lock (_gate)
        {
            if (!_enabled || !_hasFrame || _state == PanTiltState.Parked)
            {
                return;
            }
            var silent = (double)(nowTimestamp - _lastFrameTimestamp) / Stopwatch.Frequency;
            if (silent < _options.FrameTimeoutSeconds)
            {
                return;
            }
            _state = PanTiltState.Parked;
            _panError = _tiltError = 0;
            ResetLoops();
            _panDeg = _pan.HomeDeg;
            _tiltDeg = _tilt.HomeDeg;
            MoveHead();
        }
    }

    /// <summary><see cref="Poll(long)"/> at the current time.</summary>
    public void Poll() => Poll(Stopwatch.GetTimestamp());

    /// <inheritdoc />
    public void Dispose()
    {
        ITimer? watchdog;
        lock (_gate)
        {
            watchdog = _watchdog;
            _watchdog = null;
        }
        watchdog?.Dispose();
        if (_ownsHead)
        {
            _head.Dispose();
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem when <paramref name="options"/> are invalid.</summary>
    public static void ThrowIfInvalid(PanTiltOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid pan-tilt options: " + string.Join("; ", errors), nameof(options));
        }
    }

    private void NoTarget(long timestamp, double dt)
    {
        switch (_state)
        {
            case PanTiltState.Tracking:
                _state = PanTiltState.Holding;
                ResetLoops();
                goto case PanTiltState.Holding;
            case PanTiltState.Holding:
                var lostFor = (double)(timestamp - _lastSeenTimestamp) / Stopwatch.Frequency;
                if (lostFor < _options.LostHoldSeconds)
                {
                    return;
                }
                _state = PanTiltState.Returning;
                goto case PanTiltState.Returning;
            case PanTiltState.Returning:
                var step = _options.HomeSpeedDegPerSecond * dt;
                _panDeg = _pan.Clamp(_panDeg + Math.Clamp(_pan.HomeDeg - _panDeg, -step, step));
                _tiltDeg = _tilt.Clamp(_tiltDeg + Math.Clamp(_tilt.HomeDeg - _tiltDeg, -step, step));
                MoveHead();
                if (_panDeg == _pan.HomeDeg && _tiltDeg == _tilt.HomeDeg)
                {
                    _state = PanTiltState.Idle;
                }
                return;
            default:
                return;
        }
    }

    private static double StepAxis(PidAxis loop, Servo servo, double angle, double error, double dt, double rateLimit)
    {
        // The rate window for this step: the slew limit, narrowed so that the step cannot cross a soft limit (this
        // is what the anti-windup sees as saturation when the target is beyond the head's reach).
        var maxRate = Math.Min(rateLimit, (servo.MaxDeg - angle) / dt);
        var minRate = Math.Max(-rateLimit, (servo.MinDeg - angle) / dt);
        var rate = loop.Step(error, dt, Math.Min(minRate, maxRate), Math.Max(minRate, maxRate));
        return servo.Clamp(angle + rate * dt);
    }

    private void ResetLoops()
    {
        _panLoop.Reset();
        _tiltLoop.Reset();
    }

    private void MoveHead()
    {
        try
        {
            _head.MoveTo(_panDeg, _tiltDeg);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _headErrors++;
            _lastHeadError = ex;
        }
    }
}
