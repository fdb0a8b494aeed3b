namespace EdgeTracker.Control;

/// <summary>
/// One axis of the velocity-form PI(D) loop. Input is the angle error and the real frame interval; output is an
/// angular rate, already limited to the range the caller allows this step (slew and soft limits). Anti-windup:
/// the integral is clamped, learns only errors within the integral zone, does not accumulate while the output is
/// saturated in the error's direction, and fades inside the dead band. See <see cref="PanTiltGains"/>.
/// </summary>
internal sealed class PidAxis
{
    private readonly PanTiltGains _gains;
    private double _integral;
    private double _previousError;
    private double _filteredDerivative;
    private bool _hasPrevious;

    public PidAxis(PanTiltGains gains) => _gains = gains;

    /// <summary>The integral term's current contribution, deg/s.</summary>
    public double Integral => _integral;

    /// <summary>Forgets the history (target lost or re-acquired, manual move).</summary>
    public void Reset()
    {
        _integral = 0;
        _previousError = 0;
        _filteredDerivative = 0;
        _hasPrevious = false;
    }

    /// <summary>One step: the rate in deg/s, within [<paramref name="minRate"/>, <paramref name="maxRate"/>].</summary>
    public double Step(double errorDeg, double dtSeconds, double minRate, double maxRate)
    {
        var inDeadBand = Math.Abs(errorDeg) < _gains.DeadBandDeg;
        var error = inDeadBand ? 0 : errorDeg;
        if (inDeadBand)
        {
            _integral = _gains.DeadBandIntegralDecaySeconds > 0
                ? _integral * Math.Exp(-dtSeconds / _gains.DeadBandIntegralDecaySeconds)
                : 0;
        }

        var derivative = 0.0;
        if (_gains.Kd > 0 && _hasPrevious && dtSeconds > 0)
        {
            var raw = (error - _previousError) / dtSeconds;
            var alpha = dtSeconds / (_gains.DerivativeFilterSeconds + dtSeconds);
            _filteredDerivative += alpha * (raw - _filteredDerivative);
            derivative = _gains.Kd * _filteredDerivative;
        }
        _previousError = error;
        _hasPrevious = true;

        // At long frame intervals scale Kp by r (so Kp·Δt ≤ the per-frame cap) and Ki by r², which keeps the damping.
        var scale = Math.Min(1, _gains.MaxCorrectionPerFrame / (_gains.Kp * dtSeconds));
        var learning = Math.Abs(error) <= _gains.IntegralZoneDeg ? error : 0;
        var candidate = Math.Clamp(_integral + _gains.Ki * scale * scale * learning * dtSeconds,
            -_gains.IntegralLimitDegPerSecond, _gains.IntegralLimitDegPerSecond);
        var unclamped = _gains.Kp * scale * error + candidate + derivative;
        var rate = Math.Clamp(unclamped, minRate, maxRate);
        var saturatedWithError = (unclamped > maxRate && error > 0) || (unclamped < minRate && error < 0);
        if (!saturatedWithError)
        {
            _integral = candidate;
        }
        return rate;
    }
}
