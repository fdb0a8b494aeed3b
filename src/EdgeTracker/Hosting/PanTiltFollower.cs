using EdgeTracker.Control;
using EdgeTracker.Hosting.Pipeline;

namespace EdgeTracker.Hosting;

/// <summary>
/// Joins a camera pipeline to EdgeTracker.Control's controller: each frame's followed target goes in at the
/// frame's own time, and a timer lets the controller park the head when frames stop.
/// </summary>
public sealed class PanTiltFollower : ITargetFollower, IPanTiltStatus, IDisposable
{
    private readonly Timer _poll;

    public PanTiltFollower(PanTiltController controller)
    {
        Controller = controller;
        _poll = new Timer(_ => Controller.Poll(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public PanTiltController Controller { get; }

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
