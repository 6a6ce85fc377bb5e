using System.Runtime.CompilerServices;

namespace Glassbox.Tests;

/// <summary>Pins libtorch's thread count for the whole test run. Tests run in parallel and some CLI tests pass
/// <c>--threads 1</c>; without the pin, another test's bit-exact comparison could see a thread count change between its
/// two runs (parallel reductions then round differently).</summary>
internal static class TestThreads
{
    [ModuleInitializer]
    internal static void Pin()
    {
        Environment.SetEnvironmentVariable(GlassboxRuntime.ThreadsVariable, "2");
        GlassboxRuntime.Initialize();
    }
}
