using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

public class HookedTransformerTests
{
    private static readonly int[] Seq = { 3, 7, 11, 2, 9, 4, 17, 5 };

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_not_change_output_with_identity_hooks_on_every_point(string family)
    {
        using var model = TinyModels.Create(family);
        using var batch = TokenBatch.Single(Seq);
        using var plain = model.Forward(batch);
        int calls = 0;
        var hooks = new[] { new Hook("*", (t, ctx) =>
            {
                calls++;
                return t.clone();
            }) };
        using var hooked = model.RunWithHooks(batch, hooks);
        Assert.True(TinyModels.MaxAbsDiff(plain, hooked) < 1e-5);
        Assert.Equal(model.HookNames.Count, calls);
    }

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_record_every_hook_and_patch_back_without_change(string family)
    {
        using var model = TinyModels.Create(family);
        using var batch = TokenBatch.Single(Seq);
        using var run = model.RunWithCache(batch);
        Assert.Equal(
            HookName.All(model.Config, includeAttnResult: false).OrderBy(x => x),
            run.Cache.Names.OrderBy(x => x)
        );
        var hooks = run.Cache.Names.Select(n => new Hook(n, (t, ctx) => run.Cache[ctx.Name])).ToList();
        using var patched = model.RunWithHooks(batch, hooks);
        Assert.True(TinyModels.MaxAbsDiff(run.Output, patched) < 1e-5);
    }

    [Theory]
    [MemberData(nameof(TinyModels.All), MemberType = typeof(TinyModels))]
    public void Should_give_same_result_with_and_without_the_pattern_path(string family)
    {
        using var model = TinyModels.Create(family);
        using var batch = TokenBatch.FromIds(new[] { Seq, Seq[..5] }, side: PaddingSide.Left);
        using var fast = model.Forward(batch);
        using var slow = model.RunWithCache(batch, n => n.EndsWith("hook_pattern", StringComparison.Ordinal));
        Assert.True(TinyModels.MaxAbsDiff(fast, slow.Output) < 1e-5);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    public void Should_not_let_later_tokens_change_earlier_outputs_in_causal_models(string family)
    {
        using var model = TinyModels.Create(family);
        var other = (int[])Seq.Clone();
        other[^1] = 1;
        other[^2] = 30;
        using var a = TokenBatch.Single(Seq);
        using var b = TokenBatch.Single(other);
        using var ya = model.Forward(a);
        using var yb = model.Forward(b);
        Assert.True(TinyModels.MaxAbsDiff(ya[.., ..^2], yb[.., ..^2]) < 1e-6);
        Assert.True(TinyModels.MaxAbsDiff(ya[.., ^1], yb[.., ^1]) > 1e-3);
    }

    [Fact]
    public void Should_let_later_tokens_change_earlier_outputs_in_bidirectional_models()
    {
        using var model = TinyModels.Create("bert");
        var other = (int[])Seq.Clone();
        other[^1] = 1;
        using var a = TokenBatch.Single(Seq);
        using var b = TokenBatch.Single(other);
        using var ya = model.Forward(a);
        using var yb = model.Forward(b);
        Assert.True(TinyModels.MaxAbsDiff(ya[.., 0], yb[.., 0]) > 1e-4);
    }

    [Theory]
    [InlineData("gpt2", PaddingSide.Left)]
    [InlineData("gpt2", PaddingSide.Right)]
    [InlineData("llama", PaddingSide.Left)]
    [InlineData("llama", PaddingSide.Right)]
    [InlineData("bert", PaddingSide.Left)]
    [InlineData("bert", PaddingSide.Right)]
    [InlineData("gpt_neox", PaddingSide.Left)]
    [InlineData("gpt_neox", PaddingSide.Right)]
    public void Should_give_each_text_the_same_result_in_a_padded_batch_as_alone(string family, PaddingSide side)
    {
        using var model = TinyModels.Create(family);
        var seqs = new[] { Seq, Seq[..3], new[] { 5, 5, 6, 1, 2 }, new[] { 8 } };
        using var batch = TokenBatch.FromIds(seqs, padId: 0, side: side);
        foreach (var cached in new[] { false, true })
        {
            using var run = cached
                ? model.RunWithCache(batch, n => n.EndsWith("hook_pattern", StringComparison.Ordinal))
                : new CachedRun(model.Forward(batch), new ActivationCache());
            for (int i = 0; i < seqs.Length; i++)
            {
                using var alone = TokenBatch.Single(seqs[i]);
                using var y = model.Forward(alone);
                int start = batch.PaddedIndex(i, 0);
                using var slice = run.Output[i, start..(start + seqs[i].Length)];
                Assert.True(
                    TinyModels.MaxAbsDiff(slice, y[0]) <= 1e-5,
                    string.Create(CultureInfo.InvariantCulture, $"{family} {side} seq {i} cached={cached}")
                );
            }
        }
    }

    [Fact]
    public void Should_reject_token_ids_outside_the_vocabulary()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.Single(new[] { 1, 50 });
        var e = Assert.Throws<InputException>(() => model.Forward(batch));
        Assert.Contains("50", e.Message);
    }

    [Fact]
    public void Should_reject_input_longer_than_the_context()
    {
        using var model = TinyModels.Create("llama");
        using var batch = TokenBatch.Single(Enumerable.Repeat(1, 33).ToArray());
        var e = Assert.Throws<InputException>(() => model.Forward(batch));
        Assert.Contains("context of 32", e.Message);
    }

    [Fact]
    public void Should_suggest_the_closest_name_for_an_unknown_hook()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.Single(Seq);
        var e = Assert.Throws<HookException>(() =>
            model.RunWithHooks(batch, new[] { new Hook("blocks.0.attn.hook_patern", (t, c) => null) })
        );
        Assert.Contains("blocks.0.attn.hook_pattern", e.Message);
    }

    [Fact]
    public void Should_list_every_missing_unexpected_and_misshapen_weight()
    {
        var c = TinyModels.Gpt2;
        var w = TinyModels.RandomWeights(c);
        w.Remove("blocks.1.mlp.W_in");
        w["blocks.0.attn.W_Q"] = zeros(3, 3);
        w["blocks.9.extra"] = zeros(1);
        var e = Assert.Throws<WeightMismatchException>(() => HookedTransformer.Create(c, w));
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("missing 'blocks.1.mlp.W_in'"));
        Assert.Contains(e.Problems, p => p.Contains("'blocks.0.attn.W_Q' has shape [3, 3]"));
        Assert.Contains(e.Problems, p => p.Contains("unexpected 'blocks.9.extra'"));
    }

    [Fact]
    public void Should_stop_at_a_layer_and_return_the_residual_entering_it()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.Single(Seq);
        using var run = model.RunWithCache(batch);
        using var stopped = model.Forward(batch, new RunOptions { StopAtLayer = 1 });
        Assert.True(TinyModels.MaxAbsDiff(stopped, run.Cache[HookName.ResidPre(1)]) < 1e-5);
    }

    [Fact]
    public void Should_give_cached_activations_gradients_when_asked()
    {
        using var model = TinyModels.Create("llama");
        using var batch = TokenBatch.Single(Seq);
        using var run = model.RunWithCache(
            batch,
            n => n == HookName.ResidPost(0),
            new RunOptions { KeepGradients = true }
        );
        run.Output[0, -1, 3].backward();
        var g = run.Cache[HookName.ResidPost(0)].grad;
        Assert.NotNull(g);
        Assert.True(g!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Should_sum_per_head_results_to_the_attention_output()
    {
        using var model = TinyModels.Create("gpt2");
        using var batch = TokenBatch.Single(Seq);
        using var run = model.RunWithCache(batch, n =>
            n.StartsWith("blocks.0.attn.hook_result", StringComparison.Ordinal) || n == HookName.AttnOut(0)
        );
        using var sum = run.Cache[HookName.Attn(0, "hook_result")].sum(2).Plus(model.Weights["blocks.0.attn.b_O"]);
        Assert.True(TinyModels.MaxAbsDiff(sum, run.Cache[HookName.AttnOut(0)]) < 1e-5);
    }
}
