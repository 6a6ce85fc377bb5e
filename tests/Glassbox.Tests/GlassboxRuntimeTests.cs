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

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern IntPtr getenv(string name);
}
