using EdgeTracker.Control;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Tracking;

namespace EdgeTracker.Hosting;

/// <summary>
/// Joins one camera's pipeline (<c>PanTilt:Camera</c>) to EdgeTracker.Control's controller: each frame the followed
/// target — <see cref="FollowedTarget"/> (<c>PanTilt:Target</c>, or <c>pantilt/set</c> with action <c>follow</c>)
/// while it is tracking, or with none chosen the first target that is tracking — goes in at the frame's own time,
/// and a timer lets the controller park the head when frames stop.
/// </summary>
/// <remarks>
/// A chosen target that is uncertain, lost or not set yet is reported to the controller as not seen: the head holds,
/// then goes home, rather than swinging to another target the user did not choose.
/// </remarks>
public sealed class PanTiltFollower : ITargetFollower, IPanTiltStatus, IDisposable
{
    private readonly Timer _poll;

    private volatile string? _followedTarget;

    /// <param name="controller">The head's controller (disposed with this follower).</param>
    /// <param name="camera">The camera whose targets drive the head.</param>
    /// <param name="target">The target id to follow; null or empty: the first target that is tracking.</param>
    public PanTiltFollower(PanTiltController controller, string camera = "", string? target = null)
    {
        Controller = controller;
        Camera = camera;
        _followedTarget = string.IsNullOrEmpty(target) ? null : target;
        _poll = new Timer(_ => Controller.Poll(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public PanTiltController Controller { get; }

    /// <summary>The camera whose targets drive the head.</summary>
    public string Camera { get; }

    public string Mode => Controller.Status.State.ToString().ToLowerInvariant();

    public double PanDegrees => Controller.Status.PanDeg;

    public double TiltDegrees => Controller.Status.TiltDeg;

    /// <summary>The target id the head follows; null: the first target that is tracking. Set from any thread.</summary>
    public string? FollowedTarget
    {
        get => _followedTarget;
        set => _followedTarget = string.IsNullOrEmpty(value) ? null : value;
    }

    public void Update(ReadOnlySpan<TargetSnapshot> targets, int width, int height, long captureTimestamp)
    {
        var chosen = _followedTarget;
        foreach (ref readonly var target in targets)
        {
            if (target.State == TargetState.Tracking && (chosen is null || string.Equals(target.Id, chosen, StringComparison.Ordinal)))
            {
                Controller.Update(TargetObservation.Seen(target.Box.CenterX, target.Box.CenterY, width, height, captureTimestamp));
                return;
            }
        }
        Controller.Update(TargetObservation.Lost(width, height, captureTimestamp));
    }

    public void Dispose()
    {
        _poll.Dispose();
        Controller.Dispose();
    }
}
