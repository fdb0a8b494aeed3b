namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// The SiamFC family's own settings (the manifest's <c>siamFc</c> section). Defaults are the paper's
/// (Bertinetto et al., 2016; the authors' reference code): three scales 1.0375 apart, scale penalty 0.9745,
/// scale damping 0.59, response upsampled 16×.
/// </summary>
public sealed record SiamFcParameters
{
    /// <summary>Scales searched per frame (odd: 3 or 5).</summary>
    public int ScaleCount { get; init; } = 3;

    /// <summary>Ratio between neighbouring scales.</summary>
    public float ScaleStep { get; init; } = 1.0375f;

    /// <summary>Factor applied to the peak of every scale but the current one (discourages size jitter).</summary>
    public float ScalePenalty { get; init; } = 0.9745f;

    /// <summary>Damping of the size update: size ← size·((1 − lr) + lr·scale).</summary>
    public float ScaleLr { get; init; } = 0.59f;

    /// <summary>Bicubic upsampling of the response map.</summary>
    public int ResponseUpsample { get; init; } = 16;

    /// <summary>
    /// <c>correlation</c> when the response is a normalised cross-correlation in [−1, 1] (our default model): its
    /// peak is the confidence as it is. <c>raw</c> for learned SiamFC exports, whose response has no fixed scale:
    /// the confidence is then the peak-to-sidelobe ratio mapped to [0, 1].
    /// </summary>
    public string Response { get; init; } = "raw";

    /// <summary>
    /// Template update rate: after a confident frame the kernel becomes (1 − rate)·kernel + rate·(kernel of the
    /// new exemplar). 0 (the paper) keeps the first template.
    /// </summary>
    public float TemplateLr { get; init; }

    /// <summary>Minimum confidence of a frame whose exemplar may update the template.</summary>
    public float TemplateUpdateAbove { get; init; } = 0.6f;

    /// <summary>Weight kept on the first frame's kernel whatever the updates (guards against drift).</summary>
    public float InitialTemplateWeight { get; init; } = 0.5f;

    /// <summary>
    /// For models with a <c>mask</c> input (our default model): the weight of the exemplar's context cells, the
    /// target's own cells weighing 1. Below 1 the match is about the target more than its surroundings.
    /// </summary>
    public float ContextWeight { get; init; } = 0.3f;

    /// <summary>
    /// For models with a <c>colour_table</c> input (our default model): weight of the colour response in the map
    /// the peak is taken from, (1 − w)·correlation + w·colour (Staple's merge factor 0.3).
    /// </summary>
    public float ColourWeight { get; init; } = 0.3f;

    /// <summary>Learning rate of the colour histograms on confident frames (Staple: 0.04).</summary>
    public float ColourLr { get; init; } = 0.04f;

    /// <summary>
    /// For <c>correlation</c> responses: the correlation at or below which the confidence is 0. Matching fixed
    /// features against unrelated background still correlates at 0.3–0.5, so the confidence is
    /// (peak − floor) / (ceiling − floor), clamped to [0, 1].
    /// </summary>
    public float CorrelationFloor { get; init; } = 0.3f;

    /// <summary>For <c>correlation</c> responses: the correlation at or above which the confidence is 1.</summary>
    public float CorrelationCeiling { get; init; } = 0.8f;

    /// <summary>
    /// When true, a frame whose confidence is below the state machine's lost threshold does not move the target
    /// (the peak is probably background); when false only a lost target stands still until it is found again.
    /// </summary>
    public bool HoldWhenUnsure { get; init; } = true;

    /// <summary>
    /// While lost, the confidence a find in the wide search needs before the target moves there. The wide region
    /// holds more look-alikes than the normal one, so this is stricter than the state machine's recovery threshold.
    /// </summary>
    public float ReacquireAbove { get; init; } = 0.45f;

    /// <summary>Checks the values; throws naming the offending one.</summary>
    public void Validate(string model)
    {
        void Fail(string problem) => throw new ModelException($"Model '{model}': siamFc.{problem}");
        if (ScaleCount < 1 || ScaleCount % 2 == 0) Fail($"scaleCount {ScaleCount} must be odd and positive (3 or 5).");
        if (!(ScaleStep > 1f) || ScaleStep > 2f) Fail($"scaleStep {ScaleStep} must be in (1, 2].");
        if (ScalePenalty is <= 0f or > 1f) Fail($"scalePenalty {ScalePenalty} must be in (0, 1].");
        if (ScaleLr is < 0f or > 1f) Fail($"scaleLr {ScaleLr} must be in [0, 1].");
        if (ResponseUpsample is < 1 or > 32) Fail($"responseUpsample {ResponseUpsample} must be in 1..32.");
        if (Response is not ("raw" or "correlation")) Fail($"response '{Response}' must be 'raw' or 'correlation'.");
        if (TemplateLr is < 0f or > 1f) Fail($"templateLr {TemplateLr} must be in [0, 1].");
        if (ContextWeight is < 0f or > 1f) Fail($"contextWeight {ContextWeight} must be in [0, 1].");
        if (ReacquireAbove is < 0f or > 1f) Fail($"reacquireAbove {ReacquireAbove} must be in [0, 1].");
        if (ColourWeight is < 0f or > 1f) Fail($"colourWeight {ColourWeight} must be in [0, 1].");
        if (ColourLr is < 0f or > 1f) Fail($"colourLr {ColourLr} must be in [0, 1].");
        if (!(CorrelationFloor >= -1f && CorrelationFloor < CorrelationCeiling && CorrelationCeiling <= 1f))
        {
            Fail($"correlationFloor {CorrelationFloor} and correlationCeiling {CorrelationCeiling} must satisfy −1 ≤ floor < ceiling ≤ 1.");
        }
        if (InitialTemplateWeight is < 0f or > 1f) Fail($"initialTemplateWeight {InitialTemplateWeight} must be in [0, 1].");
    }
}
