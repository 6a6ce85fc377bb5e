using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace Glassbox;

/// <summary>Runtime half of the GLIBCXX_3.4.32 workaround. The build (<c>build/GlibcxxCompat.targets</c>, shipped as
/// <c>buildTransitive/Glassbox.Core.targets</c> in the Glassbox.Core package) patches the shim in every output folder.
/// A build that did not run those targets (a project outside this repository with a ProjectReference to a Glassbox
/// csproj, or an output folder copied from elsewhere) still has the unpatched <c>libLibTorchSharp.so</c>; when the
/// system libstdc++ lacks GLIBCXX_3.4.32, this module initializer writes a patched copy to a cache folder
/// (<c>$GLASSBOX_CACHE</c>, else <c>$XDG_CACHE_HOME/glassbox</c>, else <c>~/.cache/glassbox</c>, else the temp folder),
/// loads it, and makes TorchSharp's <c>[DllImport("LibTorchSharp")]</c> resolve to it. It must run before TorchSharp
/// first loads its native backend, which it does when any Glassbox type is touched first
/// (e.g. <see cref="GlassboxRuntime.Initialize"/>).</summary>
internal static class GlibcxxShim
{
    internal const string NeededVersion = "GLIBCXX_3.4.32";
    internal const string ShimFile = "libLibTorchSharp.so";

    /// <summary>Environment variable naming the cache folder for the patched copy.</summary>
    internal const string CacheVariable = CacheFolders.Variable;

    /// <summary>The patched copy loaded at run time, or null when none was needed or it failed.</summary>
    internal static string? RuntimeCopy { get; private set; }

    /// <summary>Why the runtime fallback could not be applied, or null.</summary>
    internal static string? Error { get; private set; }

    private static IntPtr _handle;

#pragma warning disable CA2255 // a module initializer is the point: it must run before TorchSharp loads its backend
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install()
    {
        OpenMpPolicy.Apply(); // first: loading libtorch below (or anywhere later) loads libgomp, which reads it once
        NativeHeap.Tune(); // before libtorch allocates anything
        MklOnAmd.Apply(FindShim() is { } found ? Path.GetDirectoryName(found) : null); // before the first GEMM
        try
        {
            if (!OperatingSystem.IsLinux() || !SystemNeedsPatch())
                return;
            var shim = FindShim();
            if (shim is null)
                return;
            var bytes = File.ReadAllBytes(shim);
            if (Elf.IsVersionWeak(bytes, NeededVersion) != false)
                return; // already patched (the build did it) or no such entry
            var copy = PatchedCopy(shim, bytes);
            var dir = Path.GetDirectoryName(shim)!;
            // The copy lives in another folder, so its RUNPATH ($ORIGIN) cannot find libtorch beside it: load the
            // libraries it needs from the original folder first; the loader then matches them by SONAME.
            foreach (var dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            {
                var p = Path.Combine(dir, dep);
                if (File.Exists(p))
                    NativeLibrary.TryLoad(p, out _);
            }
            _handle = NativeLibrary.Load(copy);
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, Resolve);
            RuntimeCopy = copy;
        }
        catch (Exception e)
        {
            Error = e.Message; // never break type loading: TorchSharp then reports its own load failure
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or "libLibTorchSharp" or ShimFile ? _handle : IntPtr.Zero;

    /// <summary>True when the system libstdc++ lacks <see cref="NeededVersion"/> (or cannot be found).</summary>
    internal static bool SystemNeedsPatch()
    {
        string? sys = new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
        }.FirstOrDefault(File.Exists);
        return sys is null || File.ReadAllBytes(sys).AsSpan().IndexOf("GLIBCXX_3.4.32\0"u8) < 0;
    }

    /// <summary>The shim that TorchSharp would load: beside the app, under <c>runtimes/linux-ARCH/native</c>, or in a
    /// folder the host lists in NATIVE_DLL_SEARCH_DIRECTORIES (from the deps.json).</summary>
    internal static string? FindShim()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var dirs = new List<string>
        {
            AppContext.BaseDirectory,
            Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{arch}", "native"),
        };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string list)
            dirs.AddRange(list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return dirs.Select(d => Path.Combine(d, ShimFile)).FirstOrDefault(File.Exists);
    }

    private static string PatchedCopy(string shim, byte[] bytes)
    {
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        if (!Elf.MarkVersionWeak(bytes, NeededVersion))
            throw new GlassboxException($"{shim} has no {NeededVersion} entry");
        Exception? last = null;
        foreach (var root in CacheFolders.Roots())
        {
            var target = Path.Combine(root, "native", hash, ShimFile);
            try
            {
                if (File.Exists(target) && Elf.IsVersionWeak(File.ReadAllBytes(target), NeededVersion) == true)
                    return target;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                AtomicFile.Write(target, s => s.Write(bytes));
                return target;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or GlassboxException)
            {
                last = e;
            }
        }
        throw new GlassboxException($"cannot write a patched copy of {shim}: {last?.Message}", last);
    }
}
