using Glassbox.Models.Encode;

namespace Glassbox.Tests.Models;

/// <summary>The encoder worker's placement: a thread can learn its CPU and move off one, keeping its affinity mask.</summary>
public sealed class CpuPlacementTests
{
    [Fact]
    public void Should_move_a_thread_off_its_cpu_and_give_its_affinity_back()
    {
        if (!OperatingSystem.IsLinux())
            return; // placement is left to the system elsewhere
        int before = -1,
            after = -1;
        bool moved = false;
        // A thread of its own, so that the test runner's threads keep their placement.
        var thread = new Thread(() =>
        {
            before = CpuPlacement.Current();
            moved = CpuPlacement.MoveOff(before);
            after = CpuPlacement.Current();
            // The whole mask is given back: the thread may run on its first CPU again.
            moved &= CpuPlacement.MoveOff(after);
        });
        thread.Start();
        thread.Join();
        Assert.InRange(before, 0, 1023);
        if (Environment.ProcessorCount < 2)
        {
            Assert.False(moved); // nowhere to go
            return;
        }
        Assert.True(moved);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Should_refuse_to_move_off_an_unknown_cpu()
    {
        Assert.False(CpuPlacement.MoveOff(-1));
        Assert.False(CpuPlacement.MoveOff(1 << 20));
    }
}
