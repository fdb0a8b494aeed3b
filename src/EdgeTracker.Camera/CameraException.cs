namespace EdgeTracker.Camera;

/// <summary>A camera, pipeline or codec failure; the message carries the native library's own words.</summary>
public class CameraException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public CameraException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CameraException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>
/// A pipeline names GStreamer elements no installed plugin provides. Not worth retrying: the message names each
/// missing element and the Debian/JetPack package that provides it.
/// </summary>
public sealed class MissingGStreamerElementException : CameraException
{
    /// <summary>Creates the exception for the given missing element names.</summary>
    public MissingGStreamerElementException(IReadOnlyList<string> elements, string message) : base(message) =>
        Elements = elements;

    /// <summary>The element factory names that were not found.</summary>
    public IReadOnlyList<string> Elements { get; }
}

/// <summary>A source URI that cannot be understood; the message says which part is wrong and what was expected.</summary>
public sealed class SourceUriException : FormatException
{
    /// <summary>Creates the exception for <paramref name="uri"/>.</summary>
    public SourceUriException(string uri, string problem) : base($"Bad camera source '{uri}': {problem}") => Uri = uri;

    /// <summary>The offending URI as given.</summary>
    public string Uri { get; }
}
