using System.Runtime.InteropServices;

namespace EdgeTracker.Inference;

/// <summary>A model input or output as the session declares it; a dimension of -1 is symbolic (dynamic).</summary>
public sealed record TensorInfo(string Name, int ElementType, long[] Shape)
{
    /// <summary>"input [1,3,255,255] float"-style text for messages.</summary>
    public override string ToString() => $"{Name} [{string.Join(",", Shape)}] type {ElementType}";
}

/// <summary>
/// One loaded model. Create it from a file or from bytes (e.g. a model rewritten in memory with
/// <see cref="Onnx.OnnxModels"/>), then <see cref="Bind"/> pre-created input and output tensors once and call
/// <see cref="RunBinding.Run"/> every frame: no allocation, ORT writes straight into the output tensors.
/// </summary>
/// <example>
/// <code>
/// using var options = OrtSessionOptions.Create(new InferenceOptions { IntraOpThreads = 1 });
/// using var session = InferenceSession.FromFile("model.onnx", options);
/// using var input = new OrtTensor&lt;float&gt;(1, 3, 255, 255);
/// using var output = new OrtTensor&lt;float&gt;(1, 96, 16, 16);
/// using var run = session.Bind([("input", input)], [("output", output)]);
/// input.Span.Fill(0); run.Run(); var features = output.Span;
/// </code>
/// </example>
public sealed unsafe class InferenceSession : IDisposable
{
    private InferenceSession(OrtSessionHandle handle, string modelFile, string provider)
    {
        Handle = handle;
        ModelFile = modelFile;
        Provider = provider;
        Inputs = ReadInfos(isInput: true);
        Outputs = ReadInfos(isInput: false);
    }

    internal OrtSessionHandle Handle { get; }

    /// <summary>The model's file (or the name given to <see cref="FromBytes"/>); appears in every error.</summary>
    public string ModelFile { get; }

    /// <summary>The execution provider the session was created with (<c>tensorrt</c>, <c>cuda</c> or <c>cpu</c>).</summary>
    public string Provider { get; }

    /// <summary>The model's inputs, in order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs, in order.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Loads a model file.</summary>
    public static InferenceSession FromFile(string path, OrtSessionOptions options)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }
        var env = OrtEnvironment.Instance;
        var native = OrtApi.Utf8(path);
        try
        {
            IntPtr session;
            OrtApi.Check(OrtApi.CreateSession(env.Handle.DangerousGetHandle(), (byte*)native, options.Handle.DangerousGetHandle(), &session),
                "Loading the model", path);
            return new InferenceSession(new OrtSessionHandle(session), path, options.Provider);
        }
        finally
        {
            Marshal.FreeHGlobal(native);
        }
    }

    /// <summary>Loads a model from bytes; <paramref name="modelName"/> names it in errors (usually the file it came from).</summary>
    public static InferenceSession FromBytes(ReadOnlySpan<byte> model, OrtSessionOptions options, string modelName)
    {
        var env = OrtEnvironment.Instance;
        fixed (byte* data = model)
        {
            IntPtr session;
            OrtApi.Check(OrtApi.CreateSessionFromArray(env.Handle.DangerousGetHandle(), data, (nuint)model.Length,
                options.Handle.DangerousGetHandle(), &session), "Loading the model", modelName);
            return new InferenceSession(new OrtSessionHandle(session), modelName, options.Provider);
        }
    }

    /// <summary>
    /// Binds tensors to inputs and outputs by name, checking names, element types and fixed dimensions against the
    /// model (a mismatch throws, naming the model file). Every output to be read must be bound.
    /// </summary>
    public RunBinding Bind(IReadOnlyList<(string Name, OrtValue Value)> inputs, IReadOnlyList<(string Name, OrtValue Value)> outputs)
    {
        foreach (var (name, value) in inputs)
        {
            CheckCompatible(Inputs, "input", name, value);
        }
        foreach (var (name, value) in outputs)
        {
            CheckCompatible(Outputs, "output", name, value);
        }
        return new RunBinding(this, inputs, outputs);
    }

    private void CheckCompatible(IReadOnlyList<TensorInfo> declared, string kind, string name, OrtValue value)
    {
        var info = declared.FirstOrDefault(i => i.Name == name)
            ?? throw new OrtException(
                $"Model '{ModelFile}' has no {kind} named '{name}'; its {kind}s are: {string.Join("; ", declared)}.", modelFile: ModelFile);
        if (info.ElementType != value.ElementTypeCode)
        {
            throw new OrtException($"Model '{ModelFile}' {kind} '{name}' has element type {info.ElementType}, the bound tensor {value.ElementTypeCode}.", modelFile: ModelFile);
        }
        var shape = value.Shape;
        var matches = info.Shape.Length == shape.Length;
        for (var i = 0; matches && i < shape.Length; i++)
        {
            matches = info.Shape[i] < 0 || info.Shape[i] == shape[i];
        }
        if (!matches)
        {
            throw new OrtException(
                $"Model '{ModelFile}' {kind} '{name}' has shape [{string.Join(",", info.Shape)}], the bound tensor [{string.Join(",", shape.ToArray())}].",
                modelFile: ModelFile);
        }
    }

    private TensorInfo[] ReadInfos(bool isInput)
    {
        var session = Handle.DangerousGetHandle();
        nuint count;
        OrtApi.Check(isInput ? OrtApi.SessionGetInputCount(session, &count) : OrtApi.SessionGetOutputCount(session, &count),
            "Reading the model's inputs/outputs", ModelFile);
        IntPtr allocator;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
        var infos = new TensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* name;
            OrtApi.Check(isInput ? OrtApi.SessionGetInputName(session, i, allocator, &name) : OrtApi.SessionGetOutputName(session, i, allocator, &name),
                "Reading a model input/output name", ModelFile);
            var text = Marshal.PtrToStringUTF8((IntPtr)name) ?? "";
            OrtApi.Check(OrtApi.AllocatorFree(allocator, name), "AllocatorFree");
            IntPtr typeInfo;
            OrtApi.Check(isInput ? OrtApi.SessionGetInputTypeInfo(session, i, &typeInfo) : OrtApi.SessionGetOutputTypeInfo(session, i, &typeInfo),
                "Reading a model input/output type", ModelFile);
            try
            {
                IntPtr tensorInfo; // borrowed from typeInfo: not released separately
                OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo", ModelFile);
                if (tensorInfo == IntPtr.Zero)
                {
                    infos[(int)i] = new TensorInfo(text, 0, []);
                    continue;
                }
                int elementType;
                nuint rank;
                OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &elementType), "GetTensorElementType", ModelFile);
                OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &rank), "GetDimensionsCount", ModelFile);
                var dims = new long[(int)rank];
                fixed (long* d = dims)
                {
                    OrtApi.Check(OrtApi.GetDimensions(tensorInfo, d, rank), "GetDimensions", ModelFile);
                }
                infos[(int)i] = new TensorInfo(text, elementType, dims);
            }
            finally
            {
                OrtApi.ReleaseTypeInfo(typeInfo);
            }
        }
        return infos;
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}

/// <summary>
/// Inputs and outputs bound to a session once; <see cref="Run"/> then runs the model with no allocation. The
/// bound tensors must outlive the binding. Not thread-safe (one binding per thread).
/// </summary>
public sealed unsafe class RunBinding : IDisposable
{
    private readonly InferenceSession _session;
    private readonly IntPtr[] _inputNames;
    private readonly IntPtr[] _outputNames;
    private readonly IntPtr[] _inputValues;
    private readonly IntPtr[] _outputValues;
    private readonly OrtValue[] _keepAlive;
    private bool _disposed;

    internal RunBinding(InferenceSession session, IReadOnlyList<(string Name, OrtValue Value)> inputs, IReadOnlyList<(string Name, OrtValue Value)> outputs)
    {
        _session = session;
        _inputNames = GC.AllocateArray<IntPtr>(inputs.Count, pinned: true);
        _inputValues = GC.AllocateArray<IntPtr>(inputs.Count, pinned: true);
        _outputNames = GC.AllocateArray<IntPtr>(outputs.Count, pinned: true);
        _outputValues = GC.AllocateArray<IntPtr>(outputs.Count, pinned: true);
        for (var i = 0; i < inputs.Count; i++)
        {
            _inputNames[i] = OrtApi.Utf8(inputs[i].Name);
            _inputValues[i] = inputs[i].Value.Handle.DangerousGetHandle();
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            _outputNames[i] = OrtApi.Utf8(outputs[i].Name);
            _outputValues[i] = outputs[i].Value.Handle.DangerousGetHandle();
        }
        _keepAlive = [.. inputs.Select(x => x.Value), .. outputs.Select(x => x.Value)];
    }

    /// <summary>Runs the model: reads the bound inputs, writes the bound outputs in place.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (IntPtr* inNames = _inputNames, inValues = _inputValues, outNames = _outputNames, outValues = _outputValues)
        {
            var status = OrtApi.Run(_session.Handle.DangerousGetHandle(), IntPtr.Zero, inNames, inValues, (nuint)_inputNames.Length,
                outNames, (nuint)_outputNames.Length, outValues);
            if (status != IntPtr.Zero)
            {
                OrtApi.Check(status, "Running the model", _session.ModelFile);
            }
        }
        GC.KeepAlive(_keepAlive);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var p in _inputNames) Marshal.FreeHGlobal(p);
        foreach (var p in _outputNames) Marshal.FreeHGlobal(p);
    }
}
