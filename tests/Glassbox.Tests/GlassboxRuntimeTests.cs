using System.Runtime.InteropServices;
using TorchSharp;

namespace Glassbox.Tests;

public class GlassboxRuntimeTests
{
    [Fact]
    public void Should_keep_the_pinned_thread_count_when_a_command_asks_for_another()
    {
        Assert.Equal("2", Environment.GetEnvironmentVariable(GlassboxRuntime.ThreadsVariable));
        GlassboxRuntime.Initialize(1);
        Assert.Equal(2, torch.get_num_threads());
    }

    [Fact]
    public void Should_reject_a_thread_count_below_one_even_when_pinned()
    {
        var e = Assert.Throws<InputException>(() => GlassboxRuntime.Initialize(0));
        Assert.Contains("at least 1", e.Message);
    }

    [SkippableFact]
    public void Should_make_openmp_workers_wait_passively_in_the_native_environment()
    {
        // libgomp reads the native environment, not .NET's copy: check what native code sees.
        Skip.If(!OperatingSystem.IsLinux(), "libc getenv is checked on Linux");
        var native = Marshal.PtrToStringAnsi(getenv("OMP_WAIT_POLICY"));
        var user = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        Assert.Equal(string.IsNullOrEmpty(user) ? "PASSIVE" : user, native);
        Assert.Equal(native, GlassboxRuntime.OpenMpWaitPolicy);
    }

    [SkippableFact]
    public void Should_tune_the_native_heap_unless_the_user_set_malloc_variables()
    {
        Skip.If(!OperatingSystem.IsLinux(), "glibc's mallopt is Linux only");
        bool userSet = new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_" }.Any(v =>
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))
        );
        GlassboxRuntime.EnsureInitialized();
        Assert.Equal(!userSet, NativeHeap.Tuned);
    }

    [Fact]
    public void Should_say_what_the_mkl_patch_did_and_never_fail_silently()
    {
        using var x = TorchSharp.torch.ones(64, 64); // libtorch is loaded, the module initializer ran
        using var y = x.matmul(x);
        Assert.Equal(64f, y[0, 0].item<float>());
        Assert.DoesNotContain("failed", MklOnAmd.Status, StringComparison.Ordinal);
        Assert.NotEqual("not run", MklOnAmd.Status);
        bool amdAvx512 =
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported
            && OperatingSystem.IsLinux()
            && File.ReadAllText("/proc/cpuinfo").Contains("AuthenticAMD", StringComparison.Ordinal)
            && Environment.GetEnvironmentVariable(MklOnAmd.Variable) != "0";
        if (amdAvx512)
            Assert.Equal("applied", MklOnAmd.Status);
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
}
