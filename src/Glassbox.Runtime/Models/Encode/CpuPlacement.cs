// Where a thread runs, and moving the encoder's worker off its caller's CPU. Why: on the 2-vCPU VM a worker woken after
// an idle pause was sometimes placed on the vCPU of the thread that woke it (a guest kernel sees a vCPU the host has
// descheduled as busy), and a worker spinning beside its caller takes half of the caller's time: a batch-1 forward
// after a pause took a median 9.1-9.3 ms with the worker left there, 6.9-7.1 ms with it moved (docs/benchmarks.md,
// "Batch 1 on the Intel VM"). Linux only; elsewhere the placement is left to the system.
using System.Runtime.InteropServices;

namespace Glassbox.Models.Encode;

/// <summary>The calling thread's CPU, and moving the calling thread to other CPUs of its affinity mask.</summary>
internal static unsafe partial class CpuPlacement
{
    private const int MaskWords = 16; // cpu_set_t: 1024 bits
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>The CPU the calling thread runs on now, or -1 where that is unknown.</summary>
    public static int Current()
    {
        if (_unavailable)
            return -1;
        try
        {
            return SchedGetCpu();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return -1;
        }
    }

    /// <summary>Moves the calling thread off CPU <paramref name="cpu"/> to another CPU it may run on, then gives it its
    /// whole affinity mask back (it stays where it was moved until the scheduler moves it). Returns whether it moved:
    /// false where the thread may run on <paramref name="cpu"/> only, or the system refuses.</summary>
    public static bool MoveOff(int cpu)
    {
        // One CPU to run on (the process's affinity at start): nowhere to go, and no system calls on every call.
        if (_unavailable || cpu < 0 || cpu >= MaskWords * 64 || Environment.ProcessorCount < 2)
            return false;
        ulong* mask = stackalloc ulong[MaskWords];
        ulong* others = stackalloc ulong[MaskWords];
        nuint size = MaskWords * sizeof(ulong);
        try
        {
            if (SchedGetAffinity(0, size, mask) != 0)
                return false;
            bool any = false;
            for (int i = 0; i < MaskWords; i++)
            {
                others[i] = mask[i];
                if (i == cpu / 64)
                    others[i] &= ~(1UL << (cpu % 64));
                any |= others[i] != 0;
            }
            if (!any || SchedSetAffinity(0, size, others) != 0)
                return false;
            _ = SchedSetAffinity(0, size, mask);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int SchedGetCpu();

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);
}
