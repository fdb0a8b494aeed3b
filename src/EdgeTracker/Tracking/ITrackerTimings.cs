namespace EdgeTracker.Tracking;

/// <summary>
/// Stopwatch ticks spent in one tracker step's stages: the crop into the input tensor, the backbone, the head, and
/// post-processing with the confidence. Extra searches made while the target is lost are not included.
/// </summary>
public readonly record struct StageTimes(long Crop, long Backbone, long Head, long PostProcess)
{
    /// <summary>The whole step.</summary>
    public long Total => Crop + Backbone + Head + PostProcess;
}

/// <summary>
/// Implemented by trackers that time their stages (for the daemon's per-stage latency metrics):
/// <c>if (tracker is ITrackerTimings t) export(t.LastTimes);</c>
/// </summary>
public interface ITrackerTimings
{
    /// <summary>The stage times of the last <see cref="ISingleObjectTracker.Track"/> call.</summary>
    StageTimes LastTimes { get; }
}
