// A weight matrix in MKL's packed GEMM format (cblas_sgemm_pack / cblas_sgemm_compute, exported by the MKL inside
// libtorch_cpu.so). Why: with few rows (a 14-token forward), MKL's plain SGEMM streams the weights through its small
// "nocopy" kernel on every call; the packed form is laid out once for MKL's large kernel, as ONNX Runtime packs its
// weights at load time. On the Intel VM the MiniLM forward at batch 1 took 15-19% less time (docs/benchmarks.md,
// "Packed weights"). The pack is made for a row count hint but computes any row count: MKL documents no dependence on
// it, and MklPackedWeightTests checks the products for 1 to 608 rows against the plain SGEMM.
using System.Runtime.InteropServices;
using unsafe ComputeFunction = delegate* unmanaged<
    int,
    int,
    int,
    int,
    int,
    int,
    float*,
    int,
    float*,
    int,
    float,
    float*,
    int,
    void>;

namespace Glassbox;

/// <summary>A copy of a row-major weight <c>W[n, k]</c> (the <c>nn.functional.linear</c> layout) packed for
/// <c>Y = X · Wᵀ</c> by MKL. The copy lives in its own memory mapping (MKL asks for several MB of head room per matrix,
/// of which only about the weight's size is written, so only that becomes resident). Not thread-safe: callers serialise
/// <see cref="Pack"/> against <see cref="Compute"/>.</summary>
public sealed unsafe partial class MklPackedWeight : IDisposable
{
    private const int RowMajor = 101,
        NoTrans = 111,
        Trans = 112,
        Packed = 151,
        BMatrix = 162;

    private static readonly delegate* unmanaged<int, int, int, int, nuint> GetSize;
    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, void> PackFn;
    private static readonly ComputeFunction ComputeFn;

    private readonly int _n,
        _k,
        _rowsHint;
    private readonly nuint _bytes;
    private void* _buffer;

    static MklPackedWeight()
    {
        var lib = MklGemm.Libtorch;
        if (
            lib == 0
            || !NativeLibrary.TryGetExport(lib, "cblas_sgemm_pack_get_size", out var size)
            || !NativeLibrary.TryGetExport(lib, "cblas_sgemm_pack", out var pack)
            || !NativeLibrary.TryGetExport(lib, "cblas_sgemm_compute", out var compute)
            || !OperatingSystem.IsLinux()
        )
            return;
        GetSize = (delegate* unmanaged<int, int, int, int, nuint>)size;
        PackFn = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, void>)pack;
        ComputeFn = (ComputeFunction)compute;
    }

    /// <summary>Whether MKL's packed GEMM could be bound (Linux builds of libtorch with MKL).</summary>
    public static bool Available => ComputeFn != null && MklGemm.Available;

    /// <summary>Reserves room for a packed <c>W[n, k]</c>; <see cref="Pack"/> fills it.</summary>
    public MklPackedWeight(int n, int k, int rowsHint = 16)
    {
        if (!Available)
            throw new InvalidOperationException("libtorch's MKL packed GEMM is not available");
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _n = n;
        _k = k;
        _rowsHint = Math.Max(1, rowsHint);
        _bytes = GetSize(BMatrix, _rowsHint, n, k);
        if (_bytes == 0)
            throw new InvalidOperationException("MKL gave no size for a packed matrix");
        _buffer = Map(null, _bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (_buffer == (void*)-1)
        {
            _buffer = null;
            throw new OutOfMemoryException("could not map memory for a packed weight matrix");
        }
    }

    /// <summary>Copies <paramref name="w"/> (row-major [n, k], row stride k) into the packed form.</summary>
    public void Pack(float* w)
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        using var oneThread = MklGemm.HoldOneThread();
        PackFn(RowMajor, BMatrix, Trans, _rowsHint, _n, _k, 1f, w, _k, (float*)_buffer);
    }

    /// <summary>Y[m, n] (row stride <paramref name="ldy"/>) = X[m, k] · Wᵀ, X row-major with row stride k, on the
    /// calling thread only.</summary>
    public void Compute(float* x, int m, float* y, int ldy)
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        if (m == 0)
            return;
        using var oneThread = MklGemm.HoldOneThread();
        ComputeFn(RowMajor, NoTrans, Packed, m, _n, _k, x, _k, (float*)_buffer, _k, 0f, y, ldy);
    }

    /// <summary>Unmaps the packed copy.</summary>
    public void Dispose()
    {
        if (_buffer != null)
            _ = Unmap(_buffer, _bytes);
        _buffer = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps a copy its owner forgot to dispose.</summary>
    ~MklPackedWeight()
    {
        if (_buffer != null)
            _ = Unmap(_buffer, _bytes);
    }

    private const int ProtRead = 1,
        ProtWrite = 2,
        MapPrivate = 2,
        MapAnonymous = 0x20;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Map(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Unmap(void* address, nuint length);
}
