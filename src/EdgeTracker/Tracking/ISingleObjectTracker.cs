using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Tracking;

/// <summary>
/// One tracker instance follows one target. A family (NanoTrack, SiamFC, SiamRPN, VitTrack) implements it as one
/// small class; the sessions and buffers behind it are created once, so <see cref="Track"/> allocates nothing.
/// Not thread-safe: one tracking thread owns it.
/// </summary>
public interface ISingleObjectTracker : IDisposable
{
    /// <summary>The model's name, as in its manifest (e.g. <c>nanotrack-v3</c>).</summary>
    string ModelName { get; }

    /// <summary>The ONNX Runtime execution provider running the model: <c>tensorrt</c>, <c>cuda</c> or <c>cpu</c>.</summary>
    string ExecutionProvider { get; }

    /// <summary>Starts following the object in <paramref name="box"/> (pixels) on <paramref name="frame"/>.</summary>
    void Init(Frame frame, BoxF box);

    /// <summary>Finds the target in the next frame.</summary>
    TrackResult Track(Frame frame);
}
