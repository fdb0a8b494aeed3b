using System.Runtime.InteropServices;

namespace EdgeTracker.Camera.Native;

/// <summary>A GstObject reference (element, bus): released with gst_object_unref.</summary>
internal sealed class GstObjectHandle : SafeHandle
{
    public GstObjectHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public GstObjectHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        GstNative.ObjectUnref(handle);
        return true;
    }
}

/// <summary>
/// A pipeline reference: brought to the NULL state (which stops its streaming threads and closes devices and
/// sockets) before the reference is dropped, so no path leaves a pipeline running.
/// </summary>
internal sealed class GstPipelineHandle : SafeHandle
{
    public GstPipelineHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        GstNative.ElementSetState(handle, GstNative.State.Null);
        GstNative.ObjectUnref(handle);
        return true;
    }
}
