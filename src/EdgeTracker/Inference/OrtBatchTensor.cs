using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeTracker.Inference;

/// <summary>
/// A tensor of up to <see cref="Capacity"/> items that is bound for every batch size at once: one pinned array
/// holds all items back to back, and an <c>OrtValue</c> of shape <c>[n, …]</c> is created over its first n items
/// for each n. Fill item k through <see cref="Item"/>, run the binding made with <see cref="ForBatch"/>(n): the
/// batch size can change from frame to frame with nothing allocated, copied or re-bound.
/// </summary>
/// <typeparam name="T">float, byte, sbyte, int, long or double.</typeparam>
public sealed unsafe class OrtBatchTensor<T> : IDisposable where T : unmanaged
{
    private readonly T[] _data;
    private readonly View[] _views;

    /// <summary>Creates a zeroed tensor for 1 to <paramref name="capacity"/> items of shape <paramref name="itemShape"/>.</summary>
    public OrtBatchTensor(int capacity, params long[] itemShape)
    {
        OrtApi.EnsureLoaded();
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A batch tensor holds at least one item.");
        }
        if (itemShape.Length == 0 || itemShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"An item shape needs positive dimensions, got [{string.Join(",", itemShape)}].", nameof(itemShape));
        }
        Capacity = capacity;
        ItemShape = (long[])itemShape.Clone();
        ItemLength = checked((int)itemShape.Aggregate(1L, (a, b) => a * b));
        _data = GC.AllocateArray<T>(checked(ItemLength * capacity), pinned: true);
        _views = new View[capacity];
        try
        {
            for (var n = 1; n <= capacity; n++)
            {
                _views[n - 1] = new View(_data, [n, .. ItemShape], n * ItemLength);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The most items one run can take.</summary>
    public int Capacity { get; }

    /// <summary>One item's shape (without the batch dimension).</summary>
    public IReadOnlyList<long> ItemShape { get; }

    /// <summary>Elements per item.</summary>
    public int ItemLength { get; }

    /// <summary>Item <paramref name="index"/>'s elements.</summary>
    public Span<T> Item(int index)
    {
        if ((uint)index >= (uint)Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"This batch tensor holds items 0 to {Capacity - 1}.");
        }
        return _data.AsSpan(index * ItemLength, ItemLength);
    }

    /// <summary>The tensor of the first <paramref name="count"/> items, shape <c>[count, …]</c>, to bind to a session.</summary>
    public OrtValue ForBatch(int count)
    {
        if (count < 1 || count > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"This batch tensor takes 1 to {Capacity} items.");
        }
        return _views[count - 1];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var view in _views)
        {
            view?.Dispose();
        }
    }

    /// <summary>An OrtValue over the first items of the shared pinned array; owns only the OrtValue.</summary>
    private sealed class View : OrtValue
    {
        private readonly long[] _shape;
        private readonly T[] _data; // ORT reads and writes this array's memory: it lives as long as the value.

        public View(T[] data, long[] shape, int count)
        {
            _shape = shape;
            _data = data;
            IntPtr value;
            fixed (long* dims = _shape)
            {
                OrtApi.Check(
                    OrtApi.CreateTensorWithDataAsOrtValue(OrtTensor<T>.CpuMemoryInfo.DangerousGetHandle(),
                        Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)),
                        (nuint)(count * sizeof(T)), dims, (nuint)_shape.Length, OrtTensor<T>.ElementType, &value),
                    "CreateTensorWithDataAsOrtValue");
            }
            Handle = new OrtValueHandle(value);
        }

        internal override OrtValueHandle Handle { get; }

        public override int ElementTypeCode => OrtTensor<T>.ElementType;

        public override ReadOnlySpan<long> Shape => _shape;

        public override void Dispose() => Handle.Dispose();
    }
}
