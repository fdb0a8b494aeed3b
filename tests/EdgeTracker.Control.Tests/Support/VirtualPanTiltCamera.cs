using EdgeTracker.Control.Geometry;
using EdgeTracker.Control.Heads;
using EdgeTracker.Control.Pwm;
using EdgeTracker.Control.Servos;

namespace EdgeTracker.Control.Tests.Support;

/// <summary>
/// A pan-tilt camera made of a sequence: the sequence's frame is the world, and the camera sees a window of half its
/// width and height. The window's centre sits where the head's optical axis meets the world frame through the same
/// pinhole model as the controller: (W/2 + fx·tan(pan), H/2 − fy·tan(tilt)). The controller only sees the target's
/// position inside the window (and nothing when it is outside), at the sequence's frame times; the servos move
/// toward each command at their maximum speed, starting <see cref="LatencyFrames"/> frame(s) after the frame that
/// produced it (the tracker's processing delay). The reported position carries seeded Gaussian jitter of
/// <see cref="JitterPixels"/> (σ), as a real tracker's box does; distances are measured from the true position.
/// </summary>
public sealed class VirtualPanTiltCamera
{
    public enum HeadKind
    {
        /// <summary>No controller: the head stays home.</summary>
        None,
        /// <summary>The controller drives a <see cref="VirtualPanTiltHead"/>; the commanded angles move the window.</summary>
        Virtual,
        /// <summary>The controller drives a PCA9685 head over the register-level simulator; the window follows the
        /// angle decoded from the simulated chip's real pulse widths (12-bit quantisation included).</summary>
        Pca9685Simulated,
    }

    public VirtualPanTiltCamera(GroundTruth sequence, PanTiltOptions options, int latencyFrames = 1, double jitterPixels = 2)
    {
        JitterPixels = jitterPixels;
        Sequence = sequence;
        WindowWidth = sequence.Width / 2;
        WindowHeight = sequence.Height / 2;
        Window = new FieldOfView(options.HorizontalFovDeg, options.VerticalFovDeg).ForFrame(WindowWidth, WindowHeight);
        LatencyFrames = latencyFrames;
        // The operator aimed the head's home at where the target starts, as one does before selecting a target.
        var first = sequence.Centres.First(c => c is not null)!.Value;
        var homePan = Math.Atan((first.X - sequence.Width / 2.0) / Window.FocalX) * 180 / Math.PI;
        var homeTilt = Math.Atan((sequence.Height / 2.0 - first.Y) / Window.FocalY) * 180 / Math.PI;
        Options = options with
        {
            Pan = options.Pan with { HomeDeg = homePan },
            Tilt = options.Tilt with { HomeDeg = homeTilt },
        };
    }

    public GroundTruth Sequence { get; }
    public PanTiltOptions Options { get; }
    public FrameGeometry Window { get; }
    public int WindowWidth { get; }
    public int WindowHeight { get; }
    public int LatencyFrames { get; }
    public double JitterPixels { get; }

    /// <summary>Where a world point appears in the window when the head is at (pan, tilt).</summary>
    public (double X, double Y) InWindow((double X, double Y) world, double panDeg, double tiltDeg)
    {
        var centreX = Sequence.Width / 2.0 + Window.FocalX * Math.Tan(panDeg * Math.PI / 180);
        var centreY = Sequence.Height / 2.0 - Window.FocalY * Math.Tan(tiltDeg * Math.PI / 180);
        return (world.X - centreX + WindowWidth / 2.0, world.Y - centreY + WindowHeight / 2.0);
    }

    /// <summary>Runs the sequence once.</summary>
    /// <param name="kind">What drives the head.</param>
    /// <param name="timingJitter">Capture times wander by up to ± this share of a frame interval (a live camera).</param>
    /// <param name="dropShare">This share of frames is never processed (a live source's latest-frame slot drops them):
    /// the controller sees a longer interval, the servos keep moving toward the last command.</param>
    public Run Fly(HeadKind kind, double timingJitter = 0, double dropShare = 0)
    {
        var pan = new Servo(Options.Pan);
        var tilt = new Servo(Options.Tilt);
        Pca9685Simulator? chip = null;
        PanTiltController? controller = kind switch
        {
            HeadKind.None => null,
            HeadKind.Virtual => new PanTiltController(Options, PanTiltHead.Create(Options with { Driver = PanTiltOptions.VirtualDriver }), enable: true),
            _ => new PanTiltController(Options, PanTiltHead.Create(Options with { Driver = PanTiltOptions.Pca9685Driver },
                (bus, address) => chip = new Pca9685Simulator(bus, address)), enable: true),
        };
        using var _ = controller;

        var frames = Sequence.Centres.Count;
        var commands = new (double Pan, double Tilt)[frames];
        var physicalPan = pan.HomeDeg;
        var physicalTilt = tilt.HomeDeg;
        var distances = new List<double>();
        var panTrace = new double[frames];
        var visibleFrames = 0;
        var dt = 1 / Sequence.FramesPerSecond;
        var random = new Random(20261121);
        var timing = new Random(1121);
        double Jitter() => JitterPixels * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var times = new double[frames + 1];
        for (var k = 0; k <= frames; k++)
        {
            times[k] = 10 + (k + timingJitter * (2 * timing.NextDouble() - 1)) * dt;
        }
        for (var k = 0; k < frames; k++)
        {
            var timestamp = ManualTimeProvider.Ticks(times[k]);
            var dropped = k > 0 && timing.NextDouble() < dropShare;
            var truth = Sequence.Centres[k];
            var observation = TargetObservation.Lost(WindowWidth, WindowHeight, timestamp);
            if (truth is { } world)
            {
                var seen = InWindow(world, physicalPan, physicalTilt);
                distances.Add(Math.Sqrt(Math.Pow(seen.X - WindowWidth / 2.0, 2) + Math.Pow(seen.Y - WindowHeight / 2.0, 2)));
                if (seen.X >= 0 && seen.X < WindowWidth && seen.Y >= 0 && seen.Y < WindowHeight)
                {
                    observation = TargetObservation.Seen(seen.X + Jitter(), seen.Y + Jitter(), WindowWidth, WindowHeight, timestamp);
                    visibleFrames++;
                }
            }
            panTrace[k] = physicalPan;
            if (!dropped)
            {
                controller?.Update(observation);
            }
            commands[k] = kind switch
            {
                HeadKind.None => (pan.HomeDeg, tilt.HomeDeg),
                HeadKind.Virtual => ((VirtualPanTiltHead)controller!.Head).Commanded,
                _ => (pan.AngleFor(chip!.PulseWidthMicroseconds(pan.Channel)), tilt.AngleFor(chip.PulseWidthMicroseconds(tilt.Channel))),
            };
            // Between this frame and the next, the servos turn toward the command of LatencyFrames ago.
            var active = k - LatencyFrames >= 0 ? commands[k - LatencyFrames] : (pan.HomeDeg, tilt.HomeDeg);
            physicalPan = pan.StepToward(physicalPan, active.Item1, times[k + 1] - times[k]);
            physicalTilt = tilt.StepToward(physicalTilt, active.Item2, times[k + 1] - times[k]);
        }
        return new Run(distances, visibleFrames, panTrace, chip?.Violations ?? [], controller?.Status.HeadErrors ?? 0);
    }

    public sealed record Run(List<double> Distances, int VisibleFrames, double[] PanTrace, IReadOnlyList<string> Violations, long HeadErrors)
    {
        public double ShareWithin(double bound) => Distances.Count(d => d <= bound) / (double)Distances.Count;

        public double Percentile(double p)
        {
            var sorted = Distances.Order().ToArray();
            return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
        }
    }
}
