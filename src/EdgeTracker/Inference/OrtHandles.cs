using Microsoft.Win32.SafeHandles;

namespace EdgeTracker.Inference;

// One SafeHandle type per kind of ONNX Runtime object, each releasing through its own Release* entry point, so
// native objects are freed deterministically by Dispose and, as a last resort, by the finaliser.

/// <summary>An <c>OrtEnv*</c>.</summary>
internal sealed unsafe class OrtEnvHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    public OrtEnvHandle(IntPtr handle) : this() => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseEnv(handle);
        return true;
    }
}

/// <summary>An <c>OrtSessionOptions*</c>.</summary>
internal sealed unsafe class OrtSessionOptionsHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    public OrtSessionOptionsHandle(IntPtr handle) : this() => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSessionOptions(handle);
        return true;
    }
}

/// <summary>An <c>OrtSession*</c>.</summary>
internal sealed unsafe class OrtSessionHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    public OrtSessionHandle(IntPtr handle) : this() => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        return true;
    }
}

/// <summary>An <c>OrtValue*</c>.</summary>
internal sealed unsafe class OrtValueHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    public OrtValueHandle(IntPtr handle) : this() => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        return true;
    }
}

/// <summary>An <c>OrtMemoryInfo*</c>.</summary>
internal sealed unsafe class OrtMemoryInfoHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    public OrtMemoryInfoHandle(IntPtr handle) : this() => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        OrtApi.ReleaseMemoryInfo(handle);
        return true;
    }
}
