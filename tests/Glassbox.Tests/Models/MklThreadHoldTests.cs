using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Tests.Models;

/// <summary>A forward whose block products are small holds MKL to one thread on its own thread while it runs (MKL's
/// OpenMP region per small SGEMM made tiny models 3x slower at two threads) and restores the caller's setting after;
/// one with large products leaves MKL's threads alone.</summary>
public sealed class MklThreadHoldTests
{
    /// <summary>MKL's local thread count seen by a hook inside a forward over <paramref name="rows"/> sequences of 32
    /// tokens of the tiny Llama, and the count after it, with the caller's local setting at 3.</summary>
    private static (int Inside, int After) Observe(int rows)
    {
        using var model = TinyModels.Create("llama");
        var ids = Enumerable
            .Range(0, rows)
            .Select(r => (IReadOnlyList<int>)Enumerable.Range(0, 32).Select(i => (i + r) % 50).ToList())
            .ToList();
        int inside = -1;
        int previous = MklGemm.SetThreadsLocal(3);
        try
        {
            using var batch = TokenBatch.FromIds(ids);
            using var logits = model.RunWithHooks(batch, new[] { new Hook(HookName.ResidPre(1), (t, _) =>
                    {
                        inside = MklGemm.LocalThreads;
                        return t;
                    }) });
            return (inside, MklGemm.LocalThreads);
        }
        finally
        {
            MklGemm.SetThreadsLocal(previous);
        }
    }

    [SkippableFact]
    public void Should_hold_mkl_to_one_thread_inside_a_small_forward_and_restore_the_callers_setting()
    {
        Skip.IfNot(MklGemm.Available, "libtorch carries no MKL here");
        Assert.Equal((1, 3), Observe(2)); // 64 rows x 16 x 40: far below the limit
    }

    [SkippableFact]
    public void Should_hold_mkl_to_one_thread_inside_a_kv_cached_step_and_restore_the_callers_setting()
    {
        Skip.IfNot(MklGemm.Available, "libtorch carries no MKL here");
        using var model = TinyModels.Create("llama");
        using var cache = model.NewCache(1);
        int inside = -1;
        int previous = MklGemm.SetThreadsLocal(3);
        try
        {
            using var batch = TokenBatch.Single(new[] { 1, 2, 3 });
            var spy = new Hook(HookName.ResidPre(1), (t, _) =>
            {
                inside = MklGemm.LocalThreads;
                return t;
            });
            using var run = model.RunCached(batch, cache, new[] { spy });
            Assert.Equal((1, 3), (inside, MklGemm.LocalThreads));
        }
        finally
        {
            MklGemm.SetThreadsLocal(previous);
        }
    }

    [SkippableFact]
    public void Should_leave_mkl_threads_alone_in_a_forward_with_large_products()
    {
        Skip.IfNot(MklGemm.Available, "libtorch carries no MKL here");
        Assert.Equal((3, 3), Observe(210)); // 6,720 rows x 16 x 40 = 4.3M, above 2^22
    }
}
