using System.Runtime.InteropServices;

namespace Glassbox;

/// <summary>Gives freed native heap memory back to the operating system. libtorch's CPU tensors come from glibc's
/// malloc; tensors of a few MiB are carved from the heap (glibc raises its mmap threshold after the first large free),
/// so freeing them leaves resident holes that glibc keeps. Loading fuses each block's Q/K/V weights into one tensor and
/// frees the parts; without a trim those holes stay resident (0.21 GB on a 1.1B-parameter Llama, 10% of its weights:
/// docs/scale.md).</summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Calls glibc's <c>malloc_trim(0)</c>, which releases free pages anywhere in the heap; does nothing where
    /// there is no glibc (other systems, musl).</summary>
    public static void Trim()
    {
        if (_unavailable)
            return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    /// <summary>Whether <see cref="Tune"/> set glibc's heap parameters (false where there is no glibc, or where the user
    /// set any <c>MALLOC_*_</c> variable, which then decides).</summary>
    public static bool Tuned { get; private set; }

    /// <summary>
    /// Keeps libtorch's short-lived activation buffers in the heap instead of mapping and unmapping them on every op:
    /// mmap threshold 32 MiB (glibc's largest), trim threshold 256 MiB, top pad 64 MiB. glibc's defaults (a dynamic
    /// mmap threshold and a trim threshold of twice it) return the top of the heap to the system after each forward and
    /// take it back with fresh zeroed pages on the next, which cost more than the arithmetic on this machine: a batched
    /// stories260K forward of 90 x 18 tokens took 193 ms instead of 30 ms, the MiniLM forward at batch 32 164 ms instead
    /// of 104 ms, and caching every hook 1.52x a forward instead of 1.03x (docs/benchmarks.md, "Native heap"). Freed
    /// memory up to the trim threshold stays resident; <see cref="Trim"/> still releases it. Called when Glassbox.Core is
    /// first used (its module initializer) and by <see cref="GlassboxRuntime.Initialize"/>; idempotent.
    /// </summary>
    public static void Tune()
    {
        if (_unavailable || Tuned)
            return;
        foreach (var name in new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_" })
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
                return;
        try
        {
            Tuned =
                Mallopt(MmapThreshold, 32 << 20) == 1
                & Mallopt(TrimThreshold, 256 << 20) == 1
                & Mallopt(TopPad, 64 << 20) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    private const int TrimThreshold = -1,
        TopPad = -2,
        MmapThreshold = -3;

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);
}
