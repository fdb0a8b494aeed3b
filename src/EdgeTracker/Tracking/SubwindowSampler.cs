using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Tracking;

/// <summary>
/// The Siamese trackers' crop in one pass: a square context region of side <c>sz</c> around a centre, padded with
/// a constant colour where it leaves the frame, resized bilinearly to the network's input side, and written as
/// normalised planar floats (CHW, chosen channel order) straight into the input tensor. No intermediate image,
/// no allocation per frame (buffers grow only when a larger crop is first seen).
/// </summary>
/// <remarks>
/// The geometry and arithmetic reproduce the reference pipeline (pysot's <c>get_subwindow</c> followed by
/// OpenCV's <c>cv2.resize</c> INTER_LINEAR on 8-bit pixels) so that our crops equal the reference's bit for bit:
/// <list type="bullet">
/// <item>region: <c>c = (sz+1)/2</c>, <c>xmin = floor(cx − c + 0.5)</c>, <c>ymin</c> likewise, <c>sz</c> pixels wide;</item>
/// <item>padding: the colour given (pysot assigns the float channel means into a uint8 image: truncated);</item>
/// <item>resize: OpenCV's half-pixel mapping, 11-bit fixed-point weights (<c>round(w·2048)</c>), the horizontal pass
/// in integers, the vertical pass as <c>((b0·(S0≫4))≫16 + (b1·(S1≫4))≫16 + 2) ≫ 2</c>, border taps clamped.</item>
/// </list>
/// The horizontal pass gathers taps eight outputs at a time with AVX2 (scalar elsewhere); the vertical pass, the
/// normalisation and the float conversion run on <see cref="Vector{T}"/> lanes over planar rows.
/// </remarks>
public sealed class SubwindowSampler
{
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    // Per (sz, out): horizontal source offsets and weights, vertical source rows and weights.
    private int _tableSource = -1;
    private int _tableOutput = -1;
    private int[] _xofs = [];
    private int[] _xbyte = [];
    private int[] _xalpha0 = [];
    private int[] _xalpha1 = [];
    private int[] _yofs = [];
    private int[] _ybeta0 = [];
    private int[] _ybeta1 = [];

    // Padded source row (interleaved BGR, plus one pixel of slack for the zero-weight right tap).
    private byte[] _sourceRow = [];

    // Two horizontally resized rows, planar (3 planes × out ints each), tagged by the source row they hold.
    private int[] _rowA = [];
    private int[] _rowB = [];
    private int _rowATag = int.MinValue;
    private int _rowBTag = int.MinValue;

    /// <summary>
    /// Crops and writes one input tensor.
    /// </summary>
    /// <param name="frame">BGR source frame.</param>
    /// <param name="centerX">Region centre x (pixels, 0-based).</param>
    /// <param name="centerY">Region centre y.</param>
    /// <param name="sourceSize">Region side <c>sz</c> in frame pixels (already rounded, as the reference does).</param>
    /// <param name="outputSize">The network input side (e.g. 127 or 255).</param>
    /// <param name="padBgr">The padding colour (B, G, R).</param>
    /// <param name="rgb">Write planes in R, G, B order instead of B, G, R.</param>
    /// <param name="normalization">value = (pixel·scale − mean) / std, per plane in the written order.</param>
    /// <param name="destination">3 × out × out floats.</param>
    public void Sample(Frame frame, float centerX, float centerY, int sourceSize, int outputSize,
        ReadOnlySpan<byte> padBgr, bool rgb, Normalization normalization, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        var plane = outputSize * outputSize;
        if (destination.Length < 3 * plane)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; {3 * plane} needed.", nameof(destination));
        }
        var c = (sourceSize + 1) / 2f;
        var xmin = (int)MathF.Floor(centerX - c + 0.5f);
        var ymin = (int)MathF.Floor(centerY - c + 0.5f);

        // Per written plane p: which BGR channel it reads, and value = v·scale + offset.
        Span<int> channelOf = stackalloc int[3];
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        for (var p = 0; p < 3; p++)
        {
            channelOf[p] = rgb ? 2 - p : p;
            scale[p] = normalization.Scale / normalization.Std[p];
            offset[p] = -normalization.Mean[p] / normalization.Std[p];
        }

        EnsureTables(sourceSize, outputSize);
        EnsureRowBuffers(sourceSize, outputSize);
        _rowATag = _rowBTag = int.MinValue;

        for (var dy = 0; dy < outputSize; dy++)
        {
            var r0 = Math.Clamp(_yofs[dy], 0, sourceSize - 1);
            var r1 = Math.Clamp(_yofs[dy] + 1, 0, sourceSize - 1);
            var row0 = HorizontalRow(frame, r0, xmin, ymin, sourceSize, outputSize, padBgr);
            var row1 = HorizontalRow(frame, r1, xmin, ymin, sourceSize, outputSize, padBgr);
            var b0 = _ybeta0[dy];
            var b1 = _ybeta1[dy];
            for (var p = 0; p < 3; p++)
            {
                var ch = channelOf[p];
                VerticalBlend(
                    row0.Slice(ch * outputSize, outputSize),
                    row1.Slice(ch * outputSize, outputSize),
                    b0, b1, scale[p], offset[p],
                    destination.Slice(p * plane + dy * outputSize, outputSize));
            }
        }
    }

    /// <summary>The row of horizontally resized values (planar, ×2048) for patch row <paramref name="r"/>, from the two-row cache.</summary>
    private ReadOnlySpan<int> HorizontalRow(Frame frame, int r, int xmin, int ymin, int sz, int outputSize, ReadOnlySpan<byte> pad)
    {
        if (_rowATag == r)
        {
            return _rowA;
        }
        if (_rowBTag == r)
        {
            return _rowB;
        }
        // Replace the older row: rows are visited in increasing order, so the one with the smaller tag is done with.
        if (_rowATag < _rowBTag)
        {
            ComputeRow(frame, r, xmin, ymin, sz, outputSize, pad, _rowA);
            _rowATag = r;
            return _rowA;
        }
        ComputeRow(frame, r, xmin, ymin, sz, outputSize, pad, _rowB);
        _rowBTag = r;
        return _rowB;
    }

    /// <summary>Lets benchmarks and tests run the scalar horizontal pass on a machine with AVX2.</summary>
    internal bool UseAvx2 { get; set; } = Avx2.IsSupported;

    private unsafe void ComputeRow(Frame frame, int r, int xmin, int ymin, int sz, int outputSize, ReadOnlySpan<byte> pad, int[] target)
    {
        FillSourceRow(frame, ymin + r, xmin, sz, pad);
        var dx = 0;
        if (UseAvx2 && Avx2.IsSupported)
        {
            // Eight outputs at a time: gather each tap's byte (as the low byte of a 4-byte load; the row buffer has
            // slack for the overhang), multiply by the fixed-point weights, add. Same integers as the scalar loop.
            var low = Vector256.Create(0xFF);
            fixed (byte* source = _sourceRow)
            fixed (int* offsets = _xbyte, alpha0 = _xalpha0, alpha1 = _xalpha1, planes = target)
            {
                for (; dx <= outputSize - 8; dx += 8)
                {
                    var index = Avx.LoadVector256(offsets + dx);
                    var w0 = Avx.LoadVector256(alpha0 + dx);
                    var w1 = Avx.LoadVector256(alpha1 + dx);
                    for (var c = 0; c < 3; c++)
                    {
                        var p0 = Avx2.And(Avx2.GatherVector256((int*)(source + c), index, 1), low);
                        var p1 = Avx2.And(Avx2.GatherVector256((int*)(source + c + 3), index, 1), low);
                        Avx.Store(planes + c * outputSize + dx, Avx2.Add(Avx2.MultiplyLow(p0, w0), Avx2.MultiplyLow(p1, w1)));
                    }
                }
            }
        }
        ref var s = ref MemoryMarshal.GetArrayDataReference(_sourceRow);
        var planeB = target.AsSpan(0, outputSize);
        var planeG = target.AsSpan(outputSize, outputSize);
        var planeR = target.AsSpan(2 * outputSize, outputSize);
        for (; dx < outputSize; dx++)
        {
            var sx = _xbyte[dx];
            var a0 = _xalpha0[dx];
            var a1 = _xalpha1[dx];
            planeB[dx] = Unsafe.Add(ref s, sx) * a0 + Unsafe.Add(ref s, sx + 3) * a1;
            planeG[dx] = Unsafe.Add(ref s, sx + 1) * a0 + Unsafe.Add(ref s, sx + 4) * a1;
            planeR[dx] = Unsafe.Add(ref s, sx + 2) * a0 + Unsafe.Add(ref s, sx + 5) * a1;
        }
    }

    /// <summary>Writes frame row <paramref name="imageY"/>, columns xmin…xmin+sz−1, into the source-row buffer, padding outside the frame.</summary>
    private void FillSourceRow(Frame frame, int imageY, int xmin, int sz, ReadOnlySpan<byte> pad)
    {
        var row = _sourceRow.AsSpan(0, (sz + 1) * 3);
        if (imageY < 0 || imageY >= frame.Height)
        {
            FillPad(row, pad);
            return;
        }
        var left = Math.Max(0, -xmin);
        var right = Math.Min(sz, frame.Width - xmin); // exclusive, in patch columns
        if (right <= left)
        {
            FillPad(row, pad);
            return;
        }
        if (left > 0)
        {
            FillPad(row[..(left * 3)], pad);
        }
        frame.Row(imageY).Slice((xmin + left) * 3, (right - left) * 3).CopyTo(row[(left * 3)..]);
        FillPad(row[(right * 3)..], pad);
    }

    private static void FillPad(Span<byte> pixels, ReadOnlySpan<byte> pad)
    {
        for (var i = 0; i + 2 < pixels.Length; i += 3)
        {
            pixels[i] = pad[0];
            pixels[i + 1] = pad[1];
            pixels[i + 2] = pad[2];
        }
    }

    /// <summary>OpenCV's 8-bit vertical linear blend, then value·scale + offset as float, over vector lanes.</summary>
    private static void VerticalBlend(ReadOnlySpan<int> s0, ReadOnlySpan<int> s1, int b0, int b1, float scale, float offset, Span<float> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && s0.Length >= Vector<int>.Count)
        {
            var vb0 = new Vector<int>(b0);
            var vb1 = new Vector<int>(b1);
            var two = new Vector<int>(2);
            var vScale = new Vector<float>(scale);
            var vOffset = new Vector<float>(offset);
            var lanes = Vector<int>.Count;
            for (; i <= s0.Length - lanes; i += lanes)
            {
                var x0 = new Vector<int>(s0[i..]);
                var x1 = new Vector<int>(s1[i..]);
                var v = Vector.ShiftRightArithmetic(
                    Vector.ShiftRightArithmetic(vb0 * Vector.ShiftRightArithmetic(x0, 4), 16)
                    + Vector.ShiftRightArithmetic(vb1 * Vector.ShiftRightArithmetic(x1, 4), 16) + two, 2);
                (Vector.ConvertToSingle(v) * vScale + vOffset).CopyTo(destination[i..]);
            }
        }
        for (; i < s0.Length; i++)
        {
            var v = (((b0 * (s0[i] >> 4)) >> 16) + ((b1 * (s1[i] >> 4)) >> 16) + 2) >> 2;
            destination[i] = v * scale + offset;
        }
    }

    private void EnsureTables(int sz, int outputSize)
    {
        if (_tableSource == sz && _tableOutput == outputSize)
        {
            return;
        }
        if (_xofs.Length < outputSize)
        {
            _xofs = new int[outputSize];
            _xbyte = new int[outputSize];
            _xalpha0 = new int[outputSize];
            _xalpha1 = new int[outputSize];
            _yofs = new int[outputSize];
            _ybeta0 = new int[outputSize];
            _ybeta1 = new int[outputSize];
        }
        var scaleFactor = 1.0 / ((double)outputSize / sz); // as OpenCV computes scale_x
        for (var d = 0; d < outputSize; d++)
        {
            var f = (float)((d + 0.5) * scaleFactor - 0.5);
            var s = (int)MathF.Floor(f);
            f -= s;
            // Vertical: OpenCV keeps the weights and clamps the rows later.
            _yofs[d] = s;
            _ybeta0[d] = SaturateShort((1f - f) * CoefScale);
            _ybeta1[d] = SaturateShort(f * CoefScale);
            // Horizontal: taps outside the source collapse onto the border pixel with weight 1.
            if (s < 0)
            {
                f = 0;
                s = 0;
            }
            if (s >= sz - 1)
            {
                f = 0;
                s = sz - 1;
            }
            _xofs[d] = s;
            _xbyte[d] = s * 3;
            _xalpha0[d] = SaturateShort((1f - f) * CoefScale);
            _xalpha1[d] = SaturateShort(f * CoefScale);
        }
        // When sz == outputSize OpenCV does not resize at all; the identity taps (2048, 0) reproduce that exactly.
        _tableSource = sz;
        _tableOutput = outputSize;
    }

    private static int SaturateShort(float v) => (int)Math.Clamp(MathF.Round(v, MidpointRounding.ToEven), short.MinValue, short.MaxValue);

    private void EnsureRowBuffers(int sz, int outputSize)
    {
        var sourceBytes = (sz + 3) * 3; // one pixel of zero-weight right tap plus the gathers' 4-byte overhang
        if (_sourceRow.Length < sourceBytes)
        {
            _sourceRow = GC.AllocateUninitializedArray<byte>(Math.Max(sourceBytes, _sourceRow.Length * 2));
        }
        if (_rowA.Length < 3 * outputSize)
        {
            _rowA = new int[3 * outputSize];
            _rowB = new int[3 * outputSize];
        }
    }
}
