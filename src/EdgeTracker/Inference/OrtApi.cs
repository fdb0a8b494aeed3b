using System.Runtime.InteropServices;
using System.Text;

namespace EdgeTracker.Inference;

/// <summary>
/// ONNX Runtime's C API function table (<c>OrtApi</c> from <c>OrtGetApiBase()->GetApi(version)</c>): every entry
/// point EdgeTracker uses, and nothing else. Entries are read by their index in the <c>OrtApi</c> struct of
/// <c>onnxruntime_c_api.h</c>; the struct only ever grows at its end, so an index never changes meaning.
/// </summary>
/// <remarks>
/// We ask for <see cref="RequiredApiVersion"/> = 11 (ONNX Runtime 1.11): the lowest version holding every function
/// below, so JetPack-era builds (1.11 … 1.16) load. Each entry notes [index, minimum API version]; the newest ones
/// we need are the CUDA V2 provider options (API 11). Nothing newer than API 16 may be added here.
/// The header marks "since" versions only from 1.11 on; the older minimums noted below (1, 4, 5, 8) follow ORT's
/// release history and are all below the version we ask for anyway. Indices were read from onnxruntime_c_api.h.
/// </remarks>
internal static unsafe class OrtApi
{
    /// <summary>The <c>OrtApi</c> version requested: the highest minimum version of the functions below.</summary>
    public const uint RequiredApiVersion = 11;

    // ---- status [API 1] ----------------------------------------------------------------------------------
    public static delegate* unmanaged<IntPtr, int> GetErrorCode;                                    // [1, 1]
    public static delegate* unmanaged<IntPtr, IntPtr> GetErrorMessage;                              // [2, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseStatus;                                  // [93, 1]

    // ---- environment ---------------------------------------------------------------------------------------
    // (logging_function, logger_param, level, logid, out env)
    public static delegate* unmanaged<IntPtr, IntPtr, int, byte*, IntPtr*, IntPtr> CreateEnvWithCustomLogger; // [4, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseEnv;                                     // [92, 1]
    public static delegate* unmanaged<byte***, int*, IntPtr> GetAvailableProviders;                // [125, 4]
    public static delegate* unmanaged<byte**, int, IntPtr> ReleaseAvailableProviders;              // [126, 4]

    // ---- session options -------------------------------------------------------------------------------------
    public static delegate* unmanaged<IntPtr*, IntPtr> CreateSessionOptions;                        // [10, 1]
    public static delegate* unmanaged<IntPtr, byte*, IntPtr> SetOptimizedModelFilePath;             // [11, 1]
    public static delegate* unmanaged<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;        // [23, 1]
    public static delegate* unmanaged<IntPtr, int, IntPtr> SetIntraOpNumThreads;                    // [24, 1]
    public static delegate* unmanaged<IntPtr, int, IntPtr> SetInterOpNumThreads;                    // [25, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseSessionOptions;                          // [100, 1]
    public static delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;          // [130, 5]

    // ---- execution providers ---------------------------------------------------------------------------------
    public static delegate* unmanaged<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_TensorRT_V2; // [170, 8]
    public static delegate* unmanaged<IntPtr*, IntPtr> CreateTensorRTProviderOptions;               // [171, 8]
    public static delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr> UpdateTensorRTProviderOptions; // [172, 8]
    public static delegate* unmanaged<IntPtr, void> ReleaseTensorRTProviderOptions;                 // [174, 8]
    public static delegate* unmanaged<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2; // [204, 11]
    public static delegate* unmanaged<IntPtr*, IntPtr> CreateCUDAProviderOptions;                   // [205, 11]
    public static delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions; // [206, 11]
    public static delegate* unmanaged<IntPtr, void> ReleaseCUDAProviderOptions;                     // [208, 11]

    // ---- sessions ------------------------------------------------------------------------------------------
    public static delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession;        // [7, 1]
    public static delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray; // [8, 1]
    // (session, run_options, input_names, inputs, input_count, output_names, output_count, outputs)
    public static delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run; // [9, 1]
    public static delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetInputCount;                 // [30, 1]
    public static delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetOutputCount;                // [31, 1]
    public static delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;      // [33, 1]
    public static delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;     // [34, 1]
    public static delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;   // [36, 1]
    public static delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName;  // [37, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseSession;                                 // [95, 1]

    // ---- values, type information, memory ------------------------------------------------------------------------------
    // (memory_info, data, data_bytes, shape, shape_len, element_type, out value)
    public static delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue; // [49, 1]
    public static delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;            // [55, 1]
    public static delegate* unmanaged<IntPtr, int*, IntPtr> GetTensorElementType;                   // [60, 1]
    public static delegate* unmanaged<IntPtr, nuint*, IntPtr> GetDimensionsCount;                   // [61, 1]
    public static delegate* unmanaged<IntPtr, long*, nuint, IntPtr> GetDimensions;                  // [62, 1]
    public static delegate* unmanaged<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;               // [69, 1]
    public static delegate* unmanaged<IntPtr, void*, IntPtr> AllocatorFree;                         // [76, 1]
    public static delegate* unmanaged<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;              // [78, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseMemoryInfo;                              // [94, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseValue;                                   // [96, 1]
    public static delegate* unmanaged<IntPtr, void> ReleaseTypeInfo;                                // [98, 1]

    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>ONNX Runtime's version string, e.g. "1.22.0".</summary>
    public static string Version { get; private set; } = "";

    /// <summary>Loads the library (see <see cref="OrtLibrary"/>) and fills the table once.</summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _loaded))
        {
            return;
        }
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            var library = OrtLibrary.Load();
            var getApiBase = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(library, "OrtGetApiBase");
            var apiBase = getApiBase();
            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
            var getApi = (delegate* unmanaged<uint, IntPtr>)Marshal.ReadIntPtr(apiBase, 0);
            var getVersion = (delegate* unmanaged<IntPtr>)Marshal.ReadIntPtr(apiBase, IntPtr.Size);
            Version = Marshal.PtrToStringUTF8(getVersion()) ?? "?";
            var api = getApi(RequiredApiVersion);
            if (api == IntPtr.Zero)
            {
                throw new OrtException(
                    $"ONNX Runtime {Version} at '{OrtLibrary.LoadedFrom}' does not offer C API version {RequiredApiVersion}; " +
                    "EdgeTracker needs ONNX Runtime 1.11 or newer.");
            }
            var table = (IntPtr*)api;
            GetErrorCode = (delegate* unmanaged<IntPtr, int>)table[1];
            GetErrorMessage = (delegate* unmanaged<IntPtr, IntPtr>)table[2];
            CreateEnvWithCustomLogger = (delegate* unmanaged<IntPtr, IntPtr, int, byte*, IntPtr*, IntPtr>)table[4];
            CreateSession = (delegate* unmanaged<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)table[7];
            CreateSessionFromArray = (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)table[8];
            Run = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)table[9];
            CreateSessionOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[10];
            SetOptimizedModelFilePath = (delegate* unmanaged<IntPtr, byte*, IntPtr>)table[11];
            SetSessionGraphOptimizationLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)table[23];
            SetIntraOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)table[24];
            SetInterOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)table[25];
            SessionGetInputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[30];
            SessionGetOutputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[31];
            SessionGetInputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)table[33];
            SessionGetOutputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)table[34];
            SessionGetInputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)table[36];
            SessionGetOutputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)table[37];
            CreateTensorWithDataAsOrtValue = (delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)table[49];
            CastTypeInfoToTensorInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)table[55];
            GetTensorElementType = (delegate* unmanaged<IntPtr, int*, IntPtr>)table[60];
            GetDimensionsCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[61];
            GetDimensions = (delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)table[62];
            CreateCpuMemoryInfo = (delegate* unmanaged<int, int, IntPtr*, IntPtr>)table[69];
            AllocatorFree = (delegate* unmanaged<IntPtr, void*, IntPtr>)table[76];
            GetAllocatorWithDefaultOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[78];
            ReleaseEnv = (delegate* unmanaged<IntPtr, void>)table[92];
            ReleaseStatus = (delegate* unmanaged<IntPtr, void>)table[93];
            ReleaseMemoryInfo = (delegate* unmanaged<IntPtr, void>)table[94];
            ReleaseSession = (delegate* unmanaged<IntPtr, void>)table[95];
            ReleaseValue = (delegate* unmanaged<IntPtr, void>)table[96];
            ReleaseTypeInfo = (delegate* unmanaged<IntPtr, void>)table[98];
            ReleaseSessionOptions = (delegate* unmanaged<IntPtr, void>)table[100];
            GetAvailableProviders = (delegate* unmanaged<byte***, int*, IntPtr>)table[125];
            ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, IntPtr>)table[126];
            AddSessionConfigEntry = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)table[130];
            SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)table[170];
            CreateTensorRTProviderOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[171];
            UpdateTensorRTProviderOptions = (delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)table[172];
            ReleaseTensorRTProviderOptions = (delegate* unmanaged<IntPtr, void>)table[174];
            SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)table[204];
            CreateCUDAProviderOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[205];
            UpdateCUDAProviderOptions = (delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)table[206];
            ReleaseCUDAProviderOptions = (delegate* unmanaged<IntPtr, void>)table[208];
            Volatile.Write(ref _loaded, true);
        }
    }

    /// <summary>Turns a returned <c>OrtStatus*</c> into an exception carrying ORT's message (and frees the status).</summary>
    public static void Check(IntPtr status, string what, string? modelFile = null)
    {
        if (status == IntPtr.Zero)
        {
            return;
        }
        var (code, message) = TakeStatus(status);
        var where = modelFile is null ? "" : $" (model '{modelFile}')";
        throw new OrtException($"{what} failed{where}: {message}", code, modelFile);
    }

    /// <summary>Reads and frees a non-null status: (ORT error code, ORT message).</summary>
    public static (int Code, string Message) TakeStatus(IntPtr status)
    {
        var code = GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "(no message)";
        ReleaseStatus(status);
        return (code, message);
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/> on the native heap; free with <see cref="Marshal.FreeHGlobal"/>.</summary>
    public static IntPtr Utf8(string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        var ptr = Marshal.AllocHGlobal(bytes + 1);
        var span = new Span<byte>((void*)ptr, bytes + 1);
        Encoding.UTF8.GetBytes(text, span);
        span[bytes] = 0;
        return ptr;
    }

    /// <summary>The names of the execution providers compiled into the loaded build (e.g. CPUExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders()
    {
        EnsureLoaded();
        byte** names;
        int count;
        Check(GetAvailableProviders(&names, &count), "GetAvailableProviders");
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = Marshal.PtrToStringUTF8((IntPtr)names[i]) ?? "";
        }
        Check(ReleaseAvailableProviders(names, count), "ReleaseAvailableProviders");
        return result;
    }
}
