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
}
