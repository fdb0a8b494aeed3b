using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeTracker.Inference;

/// <summary>
/// A dense CPU tensor whose elements live in a pinned managed array, wrapped once in an <c>OrtValue</c>. Fill
/// <see cref="Span"/> and run: ORT reads (input) or writes (pre-bound output) the same memory every frame, so
/// nothing is allocated or copied per run.
/// </summary>
/// <typeparam name="T">float, byte, sbyte, int, long or double.</typeparam>
public sealed unsafe class OrtTensor<T> : OrtValue where T : unmanaged
{
    private static readonly Lazy<OrtMemoryInfoHandle> CpuMemory = new(CreateCpuMemoryInfo);

    /// <summary>ORT's description of plain CPU memory we own, shared by every tensor over managed arrays.</summary>
    internal static OrtMemoryInfoHandle CpuMemoryInfo => CpuMemory.Value;
    private readonly T[] _data;
    private readonly long[] _shape;

    /// <summary>Creates a zeroed tensor of the given shape.</summary>
    public OrtTensor(params long[] shape)
    {
        OrtApi.EnsureLoaded();
        if (shape.Length == 0 || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"A tensor shape needs positive dimensions, got [{string.Join(",", shape)}].", nameof(shape));
        }
        _shape = (long[])shape.Clone();
        var count = checked((int)_shape.Aggregate(1L, (a, b) => a * b));
        _data = GC.AllocateArray<T>(count, pinned: true);
        IntPtr value;
        fixed (long* dims = _shape)
        {
            OrtApi.Check(
                OrtApi.CreateTensorWithDataAsOrtValue(CpuMemory.Value.DangerousGetHandle(),
                    Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)),
                    (nuint)(count * sizeof(T)), dims, (nuint)_shape.Length, ElementType, &value),
                "CreateTensorWithDataAsOrtValue");
        }
        Handle = new OrtValueHandle(value);
    }

    /// <inheritdoc />
    public override int ElementTypeCode => ElementType;

    /// <summary>ORT's element type code for <typeparamref name="T"/>.</summary>
    public static int ElementType { get; } = typeof(T) == typeof(float) ? 1
        : typeof(T) == typeof(byte) ? 2
        : typeof(T) == typeof(sbyte) ? 3
        : typeof(T) == typeof(int) ? 6
        : typeof(T) == typeof(long) ? 7
        : typeof(T) == typeof(double) ? 11
        : throw new NotSupportedException($"OrtTensor does not support element type {typeof(T).Name}.");

    internal override OrtValueHandle Handle { get; }

    /// <inheritdoc />
    public override ReadOnlySpan<long> Shape => _shape;

    /// <summary>The elements, row-major.</summary>
    public Span<T> Span => _data;

    /// <summary>The number of elements.</summary>
    public int Length => _data.Length;

    private static OrtMemoryInfoHandle CreateCpuMemoryInfo()
    {
        IntPtr info;
        // OrtDeviceAllocator = 0, OrtMemTypeDefault = 0: plain CPU memory we own.
        OrtApi.Check(OrtApi.CreateCpuMemoryInfo(0, 0, &info), "CreateCpuMemoryInfo");
        return new OrtMemoryInfoHandle(info);
    }

    /// <inheritdoc />
    public override void Dispose() => Handle.Dispose();
}
