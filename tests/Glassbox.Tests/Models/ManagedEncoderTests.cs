using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Models.Encode;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed encoder (the plain forward of post-norm encoders without libtorch dispatch) must give the
/// libtorch path's outputs within float rounding, see weights edited in place, and step aside whenever a run asks for
/// something it does not do.</summary>
public sealed class ManagedEncoderTests
{
    private static readonly RunOptions Libtorch = new() { ManagedEncoder = false };

    private static float Compare(HookedTransformer model, TokenBatch batch)
    {
        long before = model.ManagedRuns;
        using var managed = model.Forward(batch);
        Assert.Equal(before + 1, model.ManagedRuns); // the managed path ran
        using var reference = model.Forward(batch, Libtorch);
        Assert.Equal(before + 1, model.ManagedRuns); // and the reference did not
        Assert.Equal(reference.shape, managed.shape);
        return TinyModels.MaxAbsDiff(managed, reference);
    }

    [Fact]
    public void Should_match_the_libtorch_forward_of_minilm_on_a_padded_batch()
    {
        using var model = ModelLoader.Load("minilm");
        Assert.Null(ManagedEncoder.Unsupported(model));
        var texts = Enumerable
            .Range(0, 12)
            .Select(i =>
                string.Join(
                    ' ',
                    Enumerable
                        .Range(0, 1 + i * 3 % 17)
                        .Select(j => ((i * 7 + j * 13) % 97).ToString(CultureInfo.InvariantCulture) + " word")
                )
            )
            .ToList();
        foreach (var side in new[] { PaddingSide.Right, PaddingSide.Left })
        {
            using var batch = model.Tokenize(texts, side);
            Assert.True(batch.HasPadding);
            float diff = Compare(model, batch);
            Assert.True(diff <= 2e-5, string.Create(CultureInfo.InvariantCulture, $"{side}: max abs diff {diff}"));
        }
        using var one = model.Tokenize(new[] { "a single short sentence" });
        Assert.True(Compare(model, one) <= 2e-5);
    }

    [Theory]
    [InlineData(ActivationKind.Gelu, 0)]
    [InlineData(ActivationKind.GeluTanh, 1)]
    public void Should_match_the_libtorch_forward_of_a_random_encoder(ActivationKind activation, int seed)
    {
        var c = TinyModels.Bert with { Activation = activation };
        using var model = HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed), name: "tiny-bert");
        Assert.Null(ManagedEncoder.Unsupported(model));
        var seqs = new[] { new[] { 1, 5, 9, 2 }, new[] { 3, 4 }, new[] { 7, 8, 9, 10, 11, 12, 13 } };
        using var batch = TokenBatch.FromIds(seqs, padId: 0);
        float diff = Compare(model, batch);
        Assert.True(diff <= 1e-5, string.Create(CultureInfo.InvariantCulture, $"max abs diff {diff}"));
        // Cached, the activation reads the kept MLP input and writes the MLP output's own tensor (both GELU forms).
        using var managed = model.RunWithCache(batch);
        using var reference = model.RunWithCache(batch, options: Libtorch);
        foreach (var name in new[] { HookPoints.MlpPre.Name(1), HookPoints.MlpPost.Name(1) })
        {
            float d = TinyModels.MaxAbsDiff(managed.Cache[name], reference.Cache[name]);
            Assert.True(d <= 1e-5, string.Create(CultureInfo.InvariantCulture, $"{name}: max abs diff {d}"));
        }
        Assert.True(TinyModels.MaxAbsDiff(managed.Output, reference.Output) <= 1e-5);
    }

    [Fact]
    public void Should_see_weights_edited_in_place()
    {
        using var model = TinyModels.Create("bert", seed: 3);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5 } }, padId: 0);
        using var before = model.Forward(batch);
        using (no_grad())
            model.Weights["blocks.1.mlp.W_out"].MulScalarInPlace(0.5);
        using var after = model.Forward(batch);
        Assert.True(TinyModels.MaxAbsDiff(before, after) > 1e-3);
        Assert.True(Compare(model, batch) <= 1e-5);
    }

    [Fact]
    public void Should_report_a_non_finite_output_instead_of_returning_it()
    {
        using var model = TinyModels.Create("bert", seed: 4);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } }, padId: 0);
        using (var ok = model.Forward(batch))
            Assert.True(ManagedEncoder.AllFinite(ok));
        using (no_grad())
            model.Weights["blocks.1.mlp.W_out"][0, 0] = float.PositiveInfinity;
        var e = Assert.Throws<NonFiniteOutputException>(() => model.Forward(batch));
        Assert.Contains("NaN/infinite", e.Message, StringComparison.Ordinal);
        using var allowed = model.Forward(batch, new RunOptions { AllowNonFinite = true });
        Assert.False(ManagedEncoder.AllFinite(allowed));
    }

    [Fact]
    public void Should_give_each_of_several_concurrent_forwards_its_own_result()
    {
        using var model = ModelLoader.Load("minilm");
        var texts = new[] { "one short text", "a second, somewhat longer text for the batch", "third" };
        using var batch = model.Tokenize(texts);
        using var expected = model.Forward(batch, Libtorch);
        var diffs = new float[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            for (int r = 0; r < 5; r++)
            {
                using var scope = NewDisposeScope();
                diffs[i] = Math.Max(diffs[i], TinyModels.MaxAbsDiff(model.Forward(batch), expected));
            }
        });
        Assert.All(diffs, d => Assert.True(d <= 2e-5, d.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Should_refuse_a_hook_that_returns_the_wrong_shape()
    {
        using var model = TinyModels.Create("bert", seed: 2);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } }, padId: 0);
        var e = Assert.Throws<HookException>(() =>
            model.RunWithHooks(batch, new[] { new Hook("blocks.0.mlp.hook_pre", (x, _) => x[.., ..1]) })
        );
        Assert.Contains("blocks.0.mlp.hook_pre", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_cache_every_hook_point_like_the_libtorch_path_in_the_same_order()
    {
        using var model = ModelLoader.Load("minilm");
        using var batch = model.Tokenize(
            new[] { "the cat sat on the mat", "a dog", "hooks see every activation here" }
        );
        Assert.Null(
            EncoderHooks.Unsupported(
                new HookRunner(
                    Array.Empty<Hook>(),
                    n => !n.EndsWith("hook_result", StringComparison.Ordinal),
                    null,
                    false
                ),
                6
            )
        );
        long before = model.ManagedRuns;
        using var managed = model.RunWithCache(batch);
        using var reference = model.RunWithCache(batch, options: Libtorch);
        Assert.Equal(before + 1, model.ManagedRuns); // the cached run took the managed path, the reference did not
        Assert.Equal(reference.Cache.Names, managed.Cache.Names); // the cache keeps firing order
        foreach (var name in reference.Cache.Names)
        {
            var a = managed.Cache[name];
            var b = reference.Cache[name];
            Assert.Equal(b.shape, a.shape);
            // Masked scores hold the lowest float in both; compare them as equal and everything else by value.
            float diff = TinyModels.MaxAbsDiff(a.ClampMin(-1e30), b.ClampMin(-1e30));
            Assert.True(diff <= 1e-4, string.Create(CultureInfo.InvariantCulture, $"{name}: max abs diff {diff}"));
        }
        Assert.True(TinyModels.MaxAbsDiff(managed.Output, reference.Output) <= 2e-5);
    }

    [Fact]
    public void Should_use_what_hooks_return_or_change_in_place()
    {
        using var model = TinyModels.Create("bert", seed: 5);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5, 6 }, new[] { 7, 8, 9 } }, padId: 0);
        var hooks = new[]
        {
            new Hook("blocks.0.attn.hook_v", (v, _) => v.MulScalar(0.5)),
            new Hook("blocks.0.attn.hook_pattern", (x, _) => x.flip(-1).contiguous()),
            new Hook("blocks.0.mlp.hook_pre", (x, _) => x.MulScalar(0.5).AddScalar(0.25)), // the activation reads this
            new Hook("blocks.1.mlp.hook_pre", (x, _) =>
            {
                x.MulScalarInPlace(-1.0); // changed in place, with hook_post also hooked (its own tensor)
                return null;
            }),
            new Hook("blocks.1.hook_resid_mid", (x, _) =>
            {
                x.MulScalarInPlace(2.0);
                return null;
            }),
            new Hook("blocks.1.mlp.hook_post", (x, _) => x.transpose(0, 1).contiguous().transpose(0, 1)),
            new Hook("hook_pos_embed", (x, _) => x.MulScalar(0.0)),
        };
        long before = model.ManagedRuns;
        using var managed = model.RunWithHooks(batch, hooks);
        using var reference = model.RunWithHooks(batch, hooks, Libtorch);
        Assert.Equal(before + 1, model.ManagedRuns); // write hooks are honoured on the managed path
        using var plain = model.Forward(batch);
        Assert.True(TinyModels.MaxAbsDiff(managed, plain) > 1e-2); // the hooks changed something
        float diff = TinyModels.MaxAbsDiff(managed, reference);
        Assert.True(diff <= 1e-5, string.Create(CultureInfo.InvariantCulture, $"max abs diff {diff}"));
    }

    [Fact]
    public void Should_step_aside_for_gradients_norm_scales_results_and_other_families()
    {
        using var model = TinyModels.Create("bert", seed: 1);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 } }, padId: 0);
        HookRunner Runner(params Hook[] hooks) => new(hooks, null, null, false);
        Assert.Null(EncoderHooks.Unsupported(Runner(Hook.Read("blocks.1.hook_resid_post", (_, _) => { })), 2));
        Assert.NotNull(EncoderHooks.Unsupported(Runner(Hook.Read("*", (_, _) => { })), 2));
        Assert.Equal(
            "a hook changes a norm's scale",
            EncoderHooks.Unsupported(Runner(new Hook("blocks.1.ln2.hook_scale", (x, _) => x)), 2)
        );
        Assert.Equal(
            "per-head results",
            EncoderHooks.Unsupported(Runner(Hook.Read("blocks.0.attn.hook_result", (_, _) => { })), 2)
        );
        Assert.Equal(
            "gradients",
            EncoderHooks.Unsupported(new HookRunner(Array.Empty<Hook>(), _ => true, null, true), 2)
        );
        long before = model.ManagedRuns;
        using var scaled = model.RunWithHooks(
            batch,
            new[] { new Hook("blocks.1.ln2.hook_scale", (x, _) => x.MulScalar(2.0)) }
        );
        using var reference = model.RunWithHooks(
            batch,
            new[] { new Hook("blocks.1.ln2.hook_scale", (x, _) => x.MulScalar(2.0)) },
            Libtorch
        );
        Assert.Equal(before, model.ManagedRuns); // a scale-writing hook stepped aside to libtorch
        Assert.True(TinyModels.MaxAbsDiff(scaled, reference) <= 1e-6);
        foreach (var family in new[] { "gpt2", "llama", "gpt_neox" })
        {
            using var other = TinyModels.Create(family);
            Assert.NotNull(ManagedEncoder.Unsupported(other));
        }
        var causalConfig = TinyModels.Bert with { Causal = true };
        using var causal = HookedTransformer.Create(
            causalConfig,
            TinyModels.RandomWeights(causalConfig),
            name: "causal-bert"
        );
        Assert.Equal("not a post-norm encoder", ManagedEncoder.Unsupported(causal));
    }

    private static unsafe float* Ptr(Tensor t) => EncoderHooks.Ptr(t);
}
