using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Inference;

/// <summary>
/// A model run for 1 to <see cref="Capacity"/> items at once: every input and output is an
/// <see cref="OrtBatchTensor{T}"/>, and <see cref="Run"/>(n) runs the first n items in one call through bindings
/// made once per batch size, so the count can change from run to run with nothing allocated or re-bound.
/// </summary>
/// <remarks>
/// Models exported with a batch of 1 are rewritten in memory (<see cref="BatchDimension.MakeDynamic"/> on every
/// input), and the rewrite is then <b>proved</b>: two unlike items run as one batch must give, output by output and
/// item by item, what the unmodified file gives for each alone (relative difference ≤ <see cref="ProofTolerance"/>).
/// A model that cannot load or run batched, or whose items influence each other, falls back to a capacity of 1
/// on the unmodified file; <see cref="Reason"/> says why. Inputs and outputs must be float tensors of fixed shape
/// apart from the batch.
/// </remarks>
public sealed class BatchedSession : IDisposable
{
    /// <summary>
    /// Largest difference allowed between a batched item and its own run, relative to the largest output value (at
    /// least 1). Items that influence each other differ by the order of the values themselves; float32 kernels
    /// chosen for another batch size differ by about 1e-6, fp16 TensorRT engines by about 1e-3 — hence 1e-2.
    /// </summary>
    public const float ProofTolerance = 1e-2f;

    private readonly OrtBatchTensor<float>[] _inputs;
    private readonly OrtBatchTensor<float>[] _outputs;
    private readonly RunBinding[] _runs;

    private BatchedSession(InferenceSession session, int capacity, bool batched, string reason, IReadOnlyList<long[]> inputShapes, IReadOnlyList<long[]> outputShapes)
    {
        Session = session;
        Capacity = capacity;
        Batched = batched;
        Reason = reason;
        var owned = new List<IDisposable>();
        try
        {
            _inputs = [.. inputShapes.Select(s => Own(new OrtBatchTensor<float>(capacity, s), owned))];
            _outputs = [.. outputShapes.Select(s => Own(new OrtBatchTensor<float>(capacity, s), owned))];
            _runs = new RunBinding[capacity];
            for (var n = 1; n <= capacity; n++)
            {
                _runs[n - 1] = Own(session.Bind(
                    [.. session.Inputs.Select((info, i) => (info.Name, _inputs[i].ForBatch(n)))],
                    [.. session.Outputs.Select((info, i) => (info.Name, _outputs[i].ForBatch(n)))]), owned);
            }
        }
        catch
        {
            for (var i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
            session.Dispose();
            throw;
        }
    }

    private static T Own<T>(T disposable, List<IDisposable> owned) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    /// <summary>
    /// Loads <paramref name="model"/> for up to <paramref name="capacity"/> items a run (see the class remarks).
    /// </summary>
    /// <param name="model">The model file's bytes.</param>
    /// <param name="modelName">Names the model in errors and reasons (usually its file).</param>
    /// <param name="options">Session options of the unmodified model (the proof's reference, and the fallback).</param>
    /// <param name="capacity">The most items a run should take; 1 loads the file as it is.</param>
    /// <param name="batchOptions">Session options of the batched model (e.g. a TensorRT profile); null = <paramref name="options"/>.</param>
    /// <param name="notBatchedReason">The <see cref="Reason"/> when <paramref name="capacity"/> is 1.</param>
    /// <exception cref="OrtException">ONNX Runtime cannot load the unmodified model.</exception>
    /// <exception cref="InvalidDataException">An input or output is not a float tensor of fixed shape apart from the batch.</exception>
    public static BatchedSession Load(byte[] model, string modelName, OrtSessionOptions options, int capacity,
        OrtSessionOptions? batchOptions = null, string? notBatchedReason = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var single = InferenceSession.FromBytes(model, options, modelName);
        long[][] inputShapes, outputShapes;
        try
        {
            inputShapes = [.. single.Inputs.Select(i => ItemShape(i, "input", modelName))];
            outputShapes = [.. single.Outputs.Select(o => ItemShape(o, "output", modelName))];
        }
        catch
        {
            single.Dispose();
            throw;
        }
        if (capacity == 1)
        {
            return new BatchedSession(single, 1, false, notBatchedReason ?? "one item per run", inputShapes, outputShapes);
        }

        string reason;
        InferenceSession? batched = null;
        try
        {
            var rewritten = OnnxModels.Read(model, modelName);
            var reshapes = 0;
            foreach (var input in single.Inputs)
            {
                reshapes += BatchDimension.MakeDynamic(rewritten, input.Name).ReshapesRewritten;
            }
            batched = InferenceSession.FromBytes(OnnxModels.Write(rewritten), batchOptions ?? options, modelName);
            var (absolute, relative) = Prove(batched, single, inputShapes, outputShapes);
            if (relative <= ProofTolerance)
            {
                single.Dispose();
                return new BatchedSession(batched, capacity, true,
                    $"up to {capacity} per run ({reshapes} reshape(s) made batch-agnostic; a batch of 2 matches single runs within {absolute:G2})",
                    inputShapes, outputShapes);
            }
            reason = $"a batch of 2 differs from single runs by {absolute:G3} (relative {relative:G3}, allowed {ProofTolerance:G2}): the graph ties batch items together";
        }
        catch (Exception e) when (e is OrtException or InvalidDataException)
        {
            reason = $"the model cannot take a batch: {e.Message}";
        }
        batched?.Dispose();
        return new BatchedSession(single, 1, false, reason, inputShapes, outputShapes);
    }

    /// <summary>The session (batched, or the unmodified model when not batched); its declared shapes for checks against a manifest.</summary>
    public InferenceSession Session { get; }

    /// <summary>The most items one <see cref="Run"/> takes.</summary>
    public int Capacity { get; }

    /// <summary>Whether runs take more than one item.</summary>
    public bool Batched { get; }

    /// <summary>Why (or why not) batched, in a sentence.</summary>
    public string Reason { get; }

    /// <summary>Input <paramref name="index"/> (in the model's order): fill item k for the k-th item of the next run.</summary>
    public OrtBatchTensor<float> Input(int index) => _inputs[index];

    /// <summary>Output <paramref name="index"/> (in the model's order): item k holds the k-th item's result after <see cref="Run"/>.</summary>
    public OrtBatchTensor<float> Output(int index) => _outputs[index];

    /// <summary>Runs the first <paramref name="count"/> items in one call.</summary>
    public void Run(int count)
    {
        if (count < 1 || count > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"This session runs 1 to {Capacity} items.");
        }
        _runs[count - 1].Run();
    }

    private static long[] ItemShape(TensorInfo info, string kind, string modelName)
    {
        if (info.ElementType != OrtTensor<float>.ElementType)
        {
            throw new InvalidDataException($"Model '{modelName}' {kind} '{info.Name}' is not a float tensor (element type {info.ElementType}).");
        }
        if (info.Shape.Length < 2 || info.Shape.Skip(1).Any(d => d <= 0))
        {
            throw new InvalidDataException($"Model '{modelName}' {kind} {info} needs a fixed shape after the batch dimension.");
        }
        return info.Shape[1..];
    }

    /// <summary>Runs two unlike items as one batch and each alone; the largest output difference, absolute and relative to the largest output value.</summary>
    private static (float Absolute, float Relative) Prove(InferenceSession batched, InferenceSession single, long[][] inputShapes, long[][] outputShapes)
    {
        var owned = new List<IDisposable>();
        try
        {
            var batchInputs = inputShapes.Select(s => Own(new OrtBatchTensor<float>(2, s), owned)).ToArray();
            var batchOutputs = outputShapes.Select(s => Own(new OrtBatchTensor<float>(2, s), owned)).ToArray();
            var inputs = inputShapes.Select(s => Own(new OrtTensor<float>([1, .. s]), owned)).ToArray();
            var outputs = outputShapes.Select(s => Own(new OrtTensor<float>([1, .. s]), owned)).ToArray();
            var runBatch = Own(batched.Bind(
                [.. batched.Inputs.Select((info, i) => (info.Name, batchInputs[i].ForBatch(2)))],
                [.. batched.Outputs.Select((info, i) => (info.Name, batchOutputs[i].ForBatch(2)))]), owned);
            var runSingle = Own(single.Bind(
                [.. single.Inputs.Select((info, i) => (info.Name, (OrtValue)inputs[i]))],
                [.. single.Outputs.Select((info, i) => (info.Name, (OrtValue)outputs[i]))]), owned);
            // Two unlike items in pixel range (what the trackers feed): a smooth wave and a coarse stripe pattern.
            foreach (var input in batchInputs)
            {
                var a = input.Item(0);
                var b = input.Item(1);
                for (var i = 0; i < a.Length; i++)
                {
                    a[i] = 127.5f + 120f * MathF.Sin(i * 0.0123f);
                    b[i] = i / 7 % 5 * 50f;
                }
            }
            runBatch.Run();
            float worst = 0, largest = 0;
            for (var k = 0; k < 2; k++)
            {
                for (var i = 0; i < inputs.Length; i++)
                {
                    batchInputs[i].Item(k).CopyTo(inputs[i].Span);
                }
                runSingle.Run();
                for (var o = 0; o < outputs.Length; o++)
                {
                    var alone = outputs[o].Span;
                    var inBatch = batchOutputs[o].Item(k);
                    for (var i = 0; i < alone.Length; i++)
                    {
                        worst = MathF.Max(worst, MathF.Abs(alone[i] - inBatch[i]));
                        largest = MathF.Max(largest, MathF.Abs(alone[i]));
                    }
                }
            }
            return float.IsNaN(worst) ? (float.NaN, float.PositiveInfinity) : (worst, worst / MathF.Max(1f, largest));
        }
        finally
        {
            for (var i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var run in _runs) run?.Dispose();
        foreach (var t in _outputs) t?.Dispose();
        foreach (var t in _inputs) t?.Dispose();
        Session.Dispose();
    }
}
