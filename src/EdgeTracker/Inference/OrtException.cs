namespace EdgeTracker.Inference;

/// <summary>An ONNX Runtime call failed. The message is ORT's own, prefixed with what we were doing and the model file.</summary>
public sealed class OrtException : Exception
{
    public OrtException(string message, int errorCode = 0, string? modelFile = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorCode = errorCode;
        ModelFile = modelFile;
    }

    /// <summary>ORT's <c>OrtErrorCode</c> (0 when the error is ours, not ORT's).</summary>
    public int ErrorCode { get; }

    /// <summary>The model file involved, when there is one.</summary>
    public string? ModelFile { get; }
}
