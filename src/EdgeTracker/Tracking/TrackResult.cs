namespace EdgeTracker.Tracking;

/// <summary>What a tracker believes about its target.</summary>
public enum TargetState
{
    /// <summary>The target is seen and followed.</summary>
    Tracking,

    /// <summary>The evidence is weak: the box is kept but should not be trusted for control.</summary>
    Uncertain,

    /// <summary>The target is not seen; the tracker keeps searching a widened region to reacquire it.</summary>
    Lost,
}

/// <summary>
/// One frame's answer from a tracker: the box, the model's raw score, a calibrated confidence in [0, 1] that
/// drops when the target disappears, and the resulting state (with hysteresis).
/// </summary>
public readonly record struct TrackResult(BoxF Box, float Score, float Confidence, TargetState State);
