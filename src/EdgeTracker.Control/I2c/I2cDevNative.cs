using System.Runtime.InteropServices;

namespace EdgeTracker.Control.I2c;

/// <summary>
/// The libc entry points the Linux i2c-dev interface needs (open, close, ioctl, read, write), and nothing else.
/// Constants are from linux/i2c-dev.h and linux/i2c.h; they are the same on arm64 (Jetson) and x86-64.
/// </summary>
internal static unsafe partial class I2cDevNative
{
    private const string LibC = "libc";

    /// <summary>ioctl: set the slave address for subsequent read/write calls on this descriptor.</summary>
    public const nuint I2C_SLAVE = 0x0703;

    /// <summary>ioctl: a combined transfer of several messages with repeated STARTs between them.</summary>
    public const nuint I2C_RDWR = 0x0707;

    /// <summary>i2c_msg flag: this message reads from the device.</summary>
    public const ushort I2C_M_RD = 0x0001;

    public const int O_RDWR = 0x0002;

    /// <summary>02000000 octal on both arm64 and x86-64: the descriptor does not leak into child processes.</summary>
    public const int O_CLOEXEC = 0x80000;

    /// <summary>struct i2c_msg from linux/i2c.h (16 bytes on 64-bit: three u16, padding, then the buffer pointer).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct I2cMessage
    {
        public ushort Address;
        public ushort Flags;
        public ushort Length;
        public byte* Buffer;
    }

    /// <summary>struct i2c_rdwr_ioctl_data from linux/i2c-dev.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct I2cRdwrData
    {
        public I2cMessage* Messages;
        public uint Count;
    }

    [LibraryImport(LibC, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(LibC, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, nint argument);

    [LibraryImport(LibC, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, void* argument);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(SafeHandle fd, byte* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeHandle fd, byte* buffer, nuint count);
}

/// <summary>An open <c>/dev/i2c-N</c> file descriptor; closed exactly once, when disposed or finalized.</summary>
internal sealed class I2cFileHandle : SafeHandle
{
    public I2cFileHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => I2cDevNative.Close((int)handle) == 0;
}
