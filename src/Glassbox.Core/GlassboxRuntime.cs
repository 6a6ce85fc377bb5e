using System.Globalization;
using System.Reflection;
using TorchSharp;

namespace Glassbox;

/// <summary>Process-wide setup: thread count and environment facts for <c>glassbox doctor</c>.</summary>
public static class GlassboxRuntime
{
    private static int _initialized;

    /// <summary>Environment variable that fixes the thread count for the whole process: when set, every
    /// <see cref="Initialize"/> call uses it and ignores its argument. Results computed with different thread counts
    /// may differ in the last bits (parallel reductions), so the test suite pins it; it also caps threads on shared hosts.</summary>
    public const string ThreadsVariable = "GLASSBOX_THREADS";

    /// <summary>Sets libtorch's intra-op thread count (default: all cores; <see cref="ThreadsVariable"/> overrides) and
    /// tunes glibc's heap for libtorch's allocation pattern (<see cref="NativeHeap.Tune"/>). Safe to call more than once.</summary>
    /// <exception cref="InputException">A thread count below 1, or a malformed <see cref="ThreadsVariable"/>.</exception>
    public static void Initialize(int? threads = null)
    {
        if (threads is < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"thread count must be at least 1, got {threads}")
            );
        var pinned = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (!string.IsNullOrEmpty(pinned))
            threads = int.TryParse(pinned, CultureInfo.InvariantCulture, out int p)
                ? p
                : throw new InputException($"{ThreadsVariable}='{pinned}' is not a whole number");
        int n = threads ?? DefaultThreads;
        if (n < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"thread count must be at least 1, got {n}")
            );
        torch.set_num_threads(n);
        NativeHeap.Tune();
        Interlocked.Exchange(ref _initialized, 1);
    }

    /// <summary>The thread count used when none is given: every core the process may use. With the passive OpenMP wait
    /// policy (<see cref="OpenMpWaitPolicy"/>) this is never slower than one thread, on a quiet or a busy host
    /// (docs/benchmarks.md, "Threads").</summary>
    public static int DefaultThreads => Environment.ProcessorCount;

    /// <summary>libgomp's wait policy for libtorch's workers: "PASSIVE" (set by Glassbox so that the default thread count is
    /// never slower than one thread on a busy host), the user's own <c>OMP_WAIT_POLICY</c>, or null where it could not be set.</summary>
    public static string? OpenMpWaitPolicy => OpenMpPolicy.Policy;

    /// <summary>Ensures <see cref="Initialize"/> ran once with defaults.</summary>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref _initialized) == 0)
            Initialize();
    }

    /// <summary>Glassbox version.</summary>
    public static string Version =>
        typeof(GlassboxRuntime)
            .Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>TorchSharp package version.</summary>
    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>libtorch version.</summary>
    public static string LibTorchVersion => torch.__version__;

    /// <summary>Whether the system libstdc++ lacks GLIBCXX_3.4.32 (so the weak-version patch is needed), and whether the
    /// loaded shim carries the patch. Null entries mean "not applicable" (non-Linux). When the build did not patch the
    /// shim in the output folder, the shim path is the patched copy that Glassbox.Core loaded at run time from its cache.</summary>
    public static (bool? Needed, bool? Applied, string? ShimPath) GlibcxxCompatibility()
    {
        if (!OperatingSystem.IsLinux())
            return (null, null, null);
        bool needed = GlibcxxShim.SystemNeedsPatch();
        if (GlibcxxShim.RuntimeCopy is { } copy)
            return (needed, Elf.IsVersionWeak(File.ReadAllBytes(copy), GlibcxxShim.NeededVersion), copy);
        string? shim = GlibcxxShim.FindShim()
            ?? Directory
                .EnumerateFiles(AppContext.BaseDirectory, GlibcxxShim.ShimFile, SearchOption.AllDirectories)
                .FirstOrDefault();
        bool? applied = shim is null ? null : Elf.IsVersionWeak(File.ReadAllBytes(shim), GlibcxxShim.NeededVersion);
        return (needed, applied, shim);
    }

    /// <summary>How the GLIBCXX workaround reached the loaded shim: "build" (patched in the output folder by the build
    /// targets), "runtime copy" (Glassbox.Core loaded a patched copy from its cache), "not needed", or the fallback's error.</summary>
    public static string GlibcxxMechanism
    {
        get
        {
            if (!OperatingSystem.IsLinux() || !GlibcxxShim.SystemNeedsPatch())
                return "not needed";
            if (GlibcxxShim.RuntimeCopy is not null)
                return "runtime copy";
            if (GlibcxxShim.Error is { } e)
                return "runtime copy failed: " + e;
            return "build";
        }
    }
}
