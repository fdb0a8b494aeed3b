namespace EdgeTracker.Tracking;

/// <summary>Thresholds of the per-target state machine and the search while lost.</summary>
public sealed record ConfidenceOptions
{
    /// <summary>Below this confidence a tracked target becomes uncertain at once.</summary>
    public float UncertainBelow { get; init; } = 0.35f;

    /// <summary>Below this confidence for <see cref="FramesToLose"/> frames in a row, the target is lost.</summary>
    public float LostBelow { get; init; } = 0.2f;

    /// <summary>At or above this confidence for <see cref="FramesToRecover"/> frames in a row, an uncertain or lost target is tracked again.</summary>
    public float TrackingAbove { get; init; } = 0.45f;

    /// <summary>Consecutive low frames before a target is declared lost (hysteresis against one bad frame).</summary>
    public int FramesToLose { get; init; } = 3;

    /// <summary>Consecutive good frames before a lost or uncertain target is tracked again.</summary>
    public int FramesToRecover { get; init; } = 2;

    /// <summary>While lost, the search region's side is this many times the normal one (the target may be anywhere near).</summary>
    public float LostSearchScale { get; init; } = 2f;

    /// <summary>Checks the values; throws naming the offending one.</summary>
    public void Validate()
    {
        if (!(LostBelow <= UncertainBelow && UncertainBelow <= TrackingAbove && LostBelow >= 0 && TrackingAbove <= 1))
        {
            throw new ArgumentException(
                $"Confidence thresholds must satisfy 0 ≤ LostBelow ({LostBelow}) ≤ UncertainBelow ({UncertainBelow}) ≤ TrackingAbove ({TrackingAbove}) ≤ 1.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(FramesToLose, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(FramesToRecover, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(LostSearchScale, 1f);
    }
}

/// <summary>
/// Tracking / uncertain / lost with hysteresis: one weak frame makes a target uncertain, only a run of very weak
/// frames makes it lost, and only a run of good frames brings it back, so the state does not flicker.
/// </summary>
public sealed class TargetStateMachine(ConfidenceOptions options)
{
    private int _lowRun;
    private int _goodRun;

    /// <summary>The current state.</summary>
    public TargetState State { get; private set; } = TargetState.Tracking;

    /// <summary>Starts again at <see cref="TargetState.Tracking"/> (a new target was given).</summary>
    public void Reset()
    {
        State = TargetState.Tracking;
        _lowRun = 0;
        _goodRun = 0;
    }

    /// <summary>Feeds one frame's confidence; returns the new state.</summary>
    public TargetState Update(float confidence)
    {
        _lowRun = confidence < options.LostBelow ? _lowRun + 1 : 0;
        _goodRun = confidence >= options.TrackingAbove ? _goodRun + 1 : 0;
        State = State switch
        {
            _ when _lowRun >= options.FramesToLose => TargetState.Lost,
            TargetState.Tracking when confidence < options.UncertainBelow => TargetState.Uncertain,
            TargetState.Tracking => TargetState.Tracking,
            TargetState.Uncertain when _goodRun >= options.FramesToRecover => TargetState.Tracking,
            TargetState.Uncertain => TargetState.Uncertain,
            TargetState.Lost when _goodRun >= options.FramesToRecover => TargetState.Tracking,
            _ => TargetState.Lost,
        };
        return State;
    }
}
