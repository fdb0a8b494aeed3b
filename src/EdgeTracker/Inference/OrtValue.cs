namespace EdgeTracker.Inference;

/// <summary>An ONNX Runtime value that can be bound to a session's input or output (see <see cref="OrtTensor{T}"/>).</summary>
public abstract class OrtValue : IDisposable
{
    internal abstract OrtValueHandle Handle { get; }

    /// <summary>ORT's element type code (1 float, 2 uint8, 3 int8, 6 int32, 7 int64, 11 double).</summary>
    public abstract int ElementTypeCode { get; }

    /// <summary>The value's tensor shape.</summary>
    public abstract ReadOnlySpan<long> Shape { get; }

    /// <inheritdoc />
    public abstract void Dispose();
}
