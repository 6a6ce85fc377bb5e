using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Hooks;

public class HookLibraryTests
{
    private static readonly int[] A = { 1, 2, 3, 4, 5, 6 };
    private static readonly int[] B = { 1, 9, 3, 4, 8, 6 };

    [Fact]
    public void Should_patch_only_the_chosen_positions()
    {
        using var model = TinyModels.Create("gpt2");
        using var a = TokenBatch.Single(A);
        using var b = TokenBatch.Single(B);
        using var clean = model.RunWithCache(a, n => n == HookName.ResidPost(0));
        using var corrupt = model.RunWithCache(b, n => n == HookName.ResidPost(0));
        var hook = Hook.Patch(HookName.ResidPost(0), clean.Cache, positions: new long[] { 1 });
        using var seen = model.RunWithCache(b, n => n == HookName.ResidPost(1), null);
        using var patched = model.Run(b, new[] { hook }, n => n == HookName.ResidPost(0));
        var p = patched.Cache[HookName.ResidPost(0)];
        Assert.True(TinyModels.MaxAbsDiff(p[0, 1], clean.Cache[HookName.ResidPost(0)][0, 1]) < 1e-6);
        Assert.True(TinyModels.MaxAbsDiff(p[0, 4], corrupt.Cache[HookName.ResidPost(0)][0, 4]) < 1e-6);
    }

    [Fact]
    public void Should_zero_one_head_and_leave_the_others()
    {
        using var model = TinyModels.Create("llama");
        using var a = TokenBatch.Single(A);
        using var run = model.Run(a, new[] { Hook.Zero(HookName.Attn(1, "hook_z"), heads: new long[] { 2 }) }, n =>
            n == HookName.Attn(1, "hook_z")
        );
        var z = run.Cache[HookName.Attn(1, "hook_z")];
        Assert.Equal(0f, z[.., .., 2].abs().sum().item<float>());
        Assert.True(z[.., .., 1].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Should_change_the_output_when_a_neuron_is_ablated()
    {
        using var model = TinyModels.Create("gpt2");
        using var a = TokenBatch.Single(A);
        using var y0 = model.Forward(a);
        using var y1 = model.RunWithHooks(
            a,
            new[] { Hook.ZeroNeurons(HookName.Mlp(0, "hook_post"), new long[] { 3, 7 }) }
        );
        Assert.True(TinyModels.MaxAbsDiff(y0, y1) > 1e-4);
    }

    [Fact]
    public void Should_reject_a_head_index_out_of_range()
    {
        using var model = TinyModels.Create("gpt2");
        using var a = TokenBatch.Single(A);
        Assert.Throws<HookException>(() =>
            model.RunWithHooks(a, new[] { Hook.Zero(HookName.Attn(0, "hook_z"), heads: new long[] { 4 }) })
        );
    }

    [Fact]
    public void Should_reject_a_hook_that_returns_the_wrong_shape()
    {
        using var model = TinyModels.Create("gpt2");
        using var a = TokenBatch.Single(A);
        var e = Assert.Throws<HookException>(() =>
            model.RunWithHooks(a, new[] { new Hook(HookName.ResidPre(0), (t, c) => zeros(1, 2)) })
        );
        Assert.Contains("blocks.0.hook_resid_pre", e.Message);
    }

    [Fact]
    public void Should_not_leak_native_tensors_over_a_thousand_cached_runs()
    {
        using var model = TinyModels.Create("llama");
        using var a = TokenBatch.Single(A);
        for (int i = 0; i < 20; i++)
        {
            using var warm = model.RunWithCache(a);
        }
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 1000; i++)
        {
            using var run = model.RunWithCache(a);
        }
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(
            after - before <= 0,
            string.Create(CultureInfo.InvariantCulture, $"live tensors grew from {before} to {after}")
        );
    }
}
