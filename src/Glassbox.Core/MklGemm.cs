// Direct calls into the SGEMM of the Intel MKL that libtorch_cpu.so carries (exported as sgemm_ and
// MKL_Set_Num_Threads_Local). Why not nn.functional.linear: on a 14-token MiniLM forward every product is small, and
// through libtorch each one pays dispatch and an OpenMP team wake-up that the 2-vCPU machine measures at tens of µs;
// the managed encoder (Glassbox.Runtime, Models/Encode) splits each product over its own threads and calls the same
// MKL kernel single-threaded on each (docs/benchmarks.md, "The managed encoder"). Same kernels, same library.
using System.Runtime.InteropServices;
using unsafe SgemmFunction = delegate* unmanaged<
    byte*,
    byte*,
    int*,
    int*,
    int*,
    float*,
    float*,
    int*,
    float*,
    int*,
    float*,
    float*,
    int*,
    void>;

namespace Glassbox;

/// <summary>Row-major float32 products <c>Y = X · Wᵀ</c> (the <c>nn.functional.linear</c> layout) by libtorch's MKL,
/// single-threaded on the calling thread. <see cref="Available"/> is false where libtorch carries no MKL (e.g. ARM
/// builds); callers then take the libtorch path.</summary>
public static unsafe class MklGemm
{
    private static readonly SgemmFunction Sgemm;
    private static readonly delegate* unmanaged<int, int> SetLocalThreads;

    /// <summary>libtorch_cpu.so, loaded (0 where it was not found).</summary>
    internal static readonly nint Libtorch;

    static MklGemm()
    {
        try
        {
            var dir = GlibcxxShim.FindShim() is { } shim ? Path.GetDirectoryName(shim) : null;
            var path = dir is null ? null : Path.Combine(dir, "libtorch_cpu.so");
            if (
                path is null
                || !File.Exists(path)
                || !NativeLibrary.TryLoad(path, out var lib)
                || !NativeLibrary.TryGetExport(lib, "sgemm_", out var gemm)
                || !NativeLibrary.TryGetExport(lib, "MKL_Set_Num_Threads_Local", out var local)
            )
                return;
            Libtorch = lib;
            Sgemm = (SgemmFunction)gemm;
            SetLocalThreads = (delegate* unmanaged<int, int>)local;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            // no MKL: Available stays false and callers use libtorch
        }
    }

    /// <summary>Sets MKL's thread count for the calling thread only and returns the previous one.</summary>
    internal static int SetThreadsLocal(int threads) => SetLocalThreads(threads);

    /// <summary>Holds MKL to one thread on the calling thread until the returned value is disposed, then restores the
    /// previous setting; does nothing where MKL is not bound. For forwards whose products are small: MKL opens an
    /// OpenMP parallel region for every SGEMM, however small, and on a tiny model at two threads that made a forward
    /// about 3x slower than at one (docs/benchmarks.md, eleventh session).</summary>
    public static OneThread HoldOneThread() => new(SetLocalThreads == null ? 0 : SetLocalThreads(1) + 1);

    /// <summary>MKL held to one thread on the thread that made it; <see cref="Dispose"/> restores the previous setting.
    /// The default value holds nothing and restores nothing.</summary>
    public readonly struct OneThread : IDisposable
    {
        private readonly int _restore; // the previous setting + 1; 0: nothing to restore

        internal OneThread(int restore) => _restore = restore;

        /// <inheritdoc />
        public void Dispose()
        {
            if (_restore > 0)
                SetLocalThreads(_restore - 1);
        }
    }

    /// <summary>MKL's thread count set for the calling thread (0: none, MKL's global count applies).</summary>
    internal static int LocalThreads
    {
        get
        {
            int current = SetLocalThreads(0);
            SetLocalThreads(current);
            return current;
        }
    }

    /// <summary>Whether libtorch's MKL SGEMM could be bound.</summary>
    public static bool Available => Sgemm != null;

    /// <summary>Y[m, n] (row stride <paramref name="ldy"/>) = X[m, k] · W[n, k]ᵀ, plus Y when <paramref name="accumulate"/>.
    /// All row-major, X and W with row stride k. Runs on the calling thread only (MKL's thread count is set to 1 for this
    /// thread during the call and restored after).</summary>
    public static void Linear(float* x, float* w, float* y, int m, int n, int k, int ldy, bool accumulate = false) =>
        Multiply(x, k, w, k, true, y, ldy, m, n, k, accumulate);

    /// <summary>Y[m, n] = X[m, k] · B, where B is Wᵀ for W[n, k] (<paramref name="transposeB"/>) or B[k, n] itself; all
    /// row-major with the given row strides. Single-threaded on the calling thread, like <see cref="Linear"/>.</summary>
    public static void Multiply(
        float* x,
        int ldx,
        float* b,
        int ldb,
        bool transposeB,
        float* y,
        int ldy,
        int m,
        int n,
        int k,
        bool accumulate = false
    )
    {
        if (Sgemm == null)
            throw new InvalidOperationException("libtorch's MKL SGEMM is not available");
        if (m == 0 || n == 0)
            return;
        // Column-major view: Yᵀ[n, m] = Bᵀ[n, k] · Xᵀ[k, m]; a row-major buffer read column-major is its transpose.
        byte opB = transposeB ? (byte)'T' : (byte)'N',
            opX = (byte)'N';
        float one = 1f,
            beta = accumulate ? 1f : 0f;
        using var oneThread = HoldOneThread();
        Sgemm(&opB, &opX, &n, &m, &k, &one, b, &ldb, x, &ldx, &beta, y, &ldy);
    }
}
