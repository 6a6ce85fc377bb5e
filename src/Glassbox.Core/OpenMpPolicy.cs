using System.Runtime.InteropServices;

namespace Glassbox;

/// <summary>Makes libtorch's OpenMP workers sleep instead of spin when they wait. libtorch-cpu ships GNU libgomp, whose
/// idle workers busy-wait by default; on a host where other processes keep the cores busy, a two-thread run then
/// spends its time spinning against them. Measured on the 2-core build host (docs/benchmarks.md, "Threads"): with two
/// busy processes beside it, the UPOS probe took 44.6 s with 2 threads against 26.6 s with 1 under libgomp's default,
/// and 23.7 s against 24.0 s with the passive policy; on a quiet host 2 threads stay 1.7-1.8x faster than 1 either way.
/// So the default thread count (all cores) is never slower than one thread. libgomp reads <c>OMP_WAIT_POLICY</c> once,
/// when libtorch loads, from the native environment (which <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not change on Unix), so Glassbox.Core's module initializer (<see cref="GlibcxxShim.Install"/>) calls this first,
/// before anything loads libtorch, and it calls libc's <c>setenv</c>. A policy the user set is kept.</summary>
internal static class OpenMpPolicy
{
    /// <summary>The variable libgomp reads.</summary>
    internal const string Variable = "OMP_WAIT_POLICY";

    /// <summary>The policy in effect for this process ("PASSIVE" unless the user chose otherwise), or null where
    /// it could not be set (non-Unix, or libc refused).</summary>
    internal static string? Policy { get; private set; }

    private static int _applied;

    /// <summary>Sets the policy once; later calls do nothing.</summary>
    internal static void Apply()
    {
        if (Interlocked.Exchange(ref _applied, 1) == 1)
            return;
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(chosen))
        {
            Policy = chosen;
            return;
        }
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        try
        {
            if (setenv(Variable, "PASSIVE", 0) == 0)
                Policy = "PASSIVE";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Policy = null;
        }
    }

    [DllImport(
        "libc",
        EntryPoint = "setenv",
        CharSet = CharSet.Ansi,
        BestFitMapping = false,
        ThrowOnUnmappableChar = true
    )]
#pragma warning disable CA2101, SYSLIB1054 // plain ASCII arguments; a source-generated stub buys nothing for one call at start-up
    private static extern int setenv(string name, string value, int overwrite);
#pragma warning restore CA2101, SYSLIB1054
}
