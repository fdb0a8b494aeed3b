using EdgeTracker.Control;
using EdgeTracker.Hosting.Pipeline;

namespace EdgeTracker.Hosting;

/// <summary>
/// Joins one camera's pipeline (<c>PanTilt:Camera</c>) to EdgeTracker.Control's controller: each frame's followed
/// target (the pipeline's first target in the tracking state) goes in at the frame's own time, and a timer lets the
/// controller park the head when frames stop.
/// </summary>
public sealed class PanTiltFollower : ITargetFollower, IPanTiltStatus, IDisposable
{
    private readonly Timer _poll;

    /// <param name="controller">The head's controller (disposed with this follower).</param>
    /// <param name="camera">The camera whose targets drive the head.</param>
    public PanTiltFollower(PanTiltController controller, string camera = "")
    {
        Controller = controller;
        Camera = camera;
        _poll = new Timer(_ => Controller.Poll(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public PanTiltController Controller { get; }

    /// <summary>The camera whose targets drive the head.</summary>
    public string Camera { get; }

    public string Mode => Controller.Status.State.ToString().ToLowerInvariant();

    public double PanDegrees => Controller.Status.PanDeg;

    public double TiltDegrees => Controller.Status.TiltDeg;

    public void Update(bool hasTarget, float centerX, float centerY, int width, int height, long captureTimestamp) =>
        Controller.Update(hasTarget
            ? TargetObservation.Seen(centerX, centerY, width, height, captureTimestamp)
            : TargetObservation.Lost(width, height, captureTimestamp));

    public void Dispose()
    {
        _poll.Dispose();
        Controller.Dispose();
    }
}
