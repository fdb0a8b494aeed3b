namespace EdgeTracker.Tracking.VitTrack;

/// <summary>VitTrack's settings (the manifest's <c>vitTrack</c> section); defaults are OpenCV's TrackerVit.</summary>
public sealed record VitTrackParameters
{
    /// <summary>Template crop side as a multiple of √(w·h) (OpenCV: 2).</summary>
    public float TemplateFactor { get; init; } = 2f;

    /// <summary>Search crop side as a multiple of √(w·h) (OpenCV: 4).</summary>
    public float SearchFactor { get; init; } = 4f;

    /// <summary>Windowed score below which the box is not updated (OpenCV: 0.20, "filters out black frames").</summary>
    public float ScoreThreshold { get; init; } = 0.2f;

    /// <summary>Checks the values; throws naming the offending one.</summary>
    public void Validate(string model)
    {
        void Fail(string problem) => throw new ModelException($"Model '{model}': vitTrack.{problem}");
        if (!(TemplateFactor > 0)) Fail($"templateFactor {TemplateFactor} must be positive.");
        if (!(SearchFactor >= TemplateFactor)) Fail($"searchFactor {SearchFactor} must be at least templateFactor.");
        if (ScoreThreshold is < 0f or > 1f) Fail($"scoreThreshold {ScoreThreshold} must be in [0, 1].");
    }
}
