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

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
