using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Glassbox;

/// <summary>
/// Lets the Intel MKL inside libtorch use its AVX-512 kernels on AMD processors that have AVX-512. MKL picks its code
/// path from <c>mkl_serv_intel_cpu_true</c> / <c>mkl_serv_intel_cpu</c>, which answer "not Intel" on AMD, so on this
/// machine's AMD EPYC (Zen 5: two 512-bit FMA pipes per core) libtorch's SGEMM ran its generic path at 150-170 GFLOP/s
/// while ONNX Runtime's MLAS used AVX-512; answering "Intel" (the known community fix, usually an LD_PRELOAD library)
/// doubles it to 330-370 GFLOP/s on the MiniLM shapes (docs/benchmarks.md, "MKL on AMD"). The processor executes
/// exactly the instructions those kernels use (AVX-512F is checked), so results are those of the same kernels on an
/// Intel processor; the whole test suite (parity with ONNX Runtime and Hugging Face references) runs with it.
/// Applied once, before libtorch's first GEMM, by patching both functions in the loaded library to return 1
/// (<c>mov eax, 1; ret</c>). Only on Linux x64, AMD, AVX-512F; off with <c>GLASSBOX_MKL_AMD=0</c>; never throws:
/// <see cref="Status"/> says what happened (shown by <c>glassbox doctor</c>).
/// </summary>
public static partial class MklOnAmd
{
    /// <summary>Environment variable that turns the patch off when set to 0.</summary>
    public const string Variable = "GLASSBOX_MKL_AMD";

    /// <summary>What was done: "applied", "not needed (...)", "off (GLASSBOX_MKL_AMD=0)" or "failed: ...".</summary>
    public static string Status { get; private set; } = "not run";

    private static readonly byte[] ReturnOne = { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 }; // mov eax, 1; ret

    /// <summary>Applies the patch to the libtorch_cpu.so in <paramref name="nativeDir"/> when it is needed.</summary>
    internal static void Apply(string? nativeDir)
    {
        try
        {
            Status = Why(nativeDir) ?? Patch(Path.Combine(nativeDir!, "libtorch_cpu.so"));
        }
        catch (Exception e)
        {
            Status = "failed: " + e.Message; // never break start-up: MKL then keeps its generic path
        }
    }

    private static string? Why(string? nativeDir)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "0")
            return $"off ({Variable}=0)";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "not needed (not Linux x64)";
        if (!X86Base.IsSupported || Vendor() != "AuthenticAMD")
            return "not needed (not an AMD processor)";
        if (!Avx512F.IsSupported)
            return "not needed (no AVX-512)";
        if (nativeDir is null || !File.Exists(Path.Combine(nativeDir, "libtorch_cpu.so")))
            return "not needed (libtorch_cpu.so not found beside the TorchSharp shim)";
        return null;
    }

    private static string Vendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> v = stackalloc int[] { ebx, edx, ecx };
        return System.Text.Encoding.ASCII.GetString(MemoryMarshal.AsBytes(v));
    }

    private static string Patch(string library)
    {
        var handle = NativeLibrary.Load(library);
        var targets = new[] { "mkl_serv_intel_cpu_true", "mkl_serv_intel_cpu" }
            .Select(name => NativeLibrary.TryGetExport(handle, name, out var a) ? a : IntPtr.Zero)
            .ToArray();
        if (targets.Any(a => a == IntPtr.Zero))
            return "not needed (this libtorch has no MKL CPU check)";
        long page = Environment.SystemPageSize;
        foreach (var addr in targets)
        {
            var start = new IntPtr(addr.ToInt64() & ~(page - 1));
            var length = (nuint)(2 * page); // the six bytes may cross into the next page
            if (Mprotect(start, length, ProtRead | ProtWrite | ProtExec) != 0)
                return "failed: mprotect refused (" + Marshal.GetLastPInvokeErrorMessage() + ")";
            Marshal.Copy(ReturnOne, 0, addr, ReturnOne.Length);
            _ = Mprotect(start, length, ProtRead | ProtExec);
        }
        return "applied";
    }

    private const int ProtRead = 1,
        ProtWrite = 2,
        ProtExec = 4;

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(IntPtr address, nuint length, int protection);
}
