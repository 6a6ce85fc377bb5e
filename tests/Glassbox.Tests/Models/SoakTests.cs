using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>Issue 14, item 11: bounded native memory. 10,000 cached forwards with a patching hook and a reading hook
/// (every hook point but per-head results cached, a padded batch, then the cache dropped) leave the count of live native tensors where it
/// was after a warm-up, exactly, and the process's resident memory outside the managed heap within a small bound of its warm-up level. Runs
/// alone (serial collection) so that other tests' allocations do not move the resident size.</summary>
[Collection(SerialCollection.Name)]
public class SoakTests(ITestOutputHelper output)
{
    private const int WarmUp = 1000,
        Total = 10_000;

    /// <summary>Resident set size of this process outside the managed heap, in bytes (Linux /proc; the working set
    /// elsewhere): the resident size less the bytes the garbage collector has committed. The managed heap's size after a
    /// collection follows the collector's budgets (tens of MiB on a machine with a large cache), not native memory.</summary>
    private static long ResidentBytes() => ProcessResidentBytes() - GC.GetGCMemoryInfo().TotalCommittedBytes;

    private static long ProcessResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(
                            line.AsSpan(6).Trim().TrimEnd("kB").Trim(),
                            NumberStyles.Integer,
                            CultureInfo.InvariantCulture
                        ) * 1024;
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    // llama takes the libtorch path; bert the managed encoder, whose cache holds regions of its own memory blocks.
    [Theory]
    [InlineData("llama")]
    [InlineData("bert")]
    public void Should_hold_live_tensors_and_resident_memory_flat_over_ten_thousand_cached_forwards(string family)
    {
        using var model = TinyModels.Create(family, seed: 2);
        using var batch = TokenBatch.FromIds(
            new IReadOnlyList<int>[] { new[] { 3, 7, 11, 2, 9, 4, 17, 5 }, new[] { 1, 4, 9, 16 } }
        );
        double seen = 0;
        var hooks = new[]
        {
            new Hook("blocks.0.hook_resid_post", (x, ctx) => x.MulScalar(0.5)), // patches: a new tensor per call
            Hook.Read("blocks.1.attn.hook_pattern", (x, ctx) => seen += 1),
        };
        long liveAtWarmUp = 0,
            rssAtWarmUp = 0,
            rssPeak = 0;
        long managedBefore = model.ManagedRuns;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 1; i <= Total; i++)
        {
            using (var run = model.Run(batch, hooks, n => !HookPoints.AttnResult.Matches(n)))
            {
                if (i == 1)
                    Assert.Equal(model.HookNames.Count(n => !HookPoints.AttnResult.Matches(n)), run.Cache.Count);
            }
            if (i == WarmUp)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                liveAtWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                rssAtWarmUp = ResidentBytes();
            }
            if (i > WarmUp && i % 500 == 0)
                rssPeak = Math.Max(rssPeak, ResidentBytes());
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long liveAtEnd = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long rssAtEnd = ResidentBytes();
        long managed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        output.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{Total} cached forwards in {sw.Elapsed.TotalSeconds:F1} s; live tensors {liveAtWarmUp} after {WarmUp}, {liveAtEnd} at the end; resident {rssAtWarmUp / 1048576.0:F1} MiB after warm-up, peak {rssPeak / 1048576.0:F1} MiB, {rssAtEnd / 1048576.0:F1} MiB at the end (outside a managed heap of {managed / 1048576.0:F1} MiB committed)"
            )
        );
        Assert.Equal(Total * 1.0, seen);
        Assert.Equal(family == "bert" ? Total : 0, model.ManagedRuns - managedBefore);
        Assert.Equal(liveAtWarmUp, liveAtEnd);
        // A leak of one cached activation set per forward would be 9,000 x ~40 KiB = 350 MiB; allocator noise is a few MiB.
        Assert.True(
            rssAtEnd - rssAtWarmUp < 24L * 1048576,
            "resident memory grew by more than 24 MiB after the warm-up"
        );
    }
}
