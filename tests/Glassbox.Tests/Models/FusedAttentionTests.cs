using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The fused attention kernel (libtorch's scaled_dot_product_attention) against the explicit scores and
/// softmax: every family, padding on either side, grouped-query heads, a sliding window, a KV cache; and which kernel
/// <see cref="AttentionKernel.Auto"/> picks.</summary>
public sealed class FusedAttentionTests
{
    private static readonly RunOptions Explicit = new() { Attention = AttentionKernel.Explicit };
    private static readonly RunOptions Fused = new() { Attention = AttentionKernel.Fused };

    public static IEnumerable<object[]> Cases() =>
        new[] { "gpt2", "llama", "bert", "gpt_neox", "llama-window" }.SelectMany(f =>
            new[] { PaddingSide.Right, PaddingSide.Left }.Select(s => new object[] { f, s })
        );

    private static HookedTransformer Model(string family, int nCtx = 32)
    {
        var c = family == "llama-window" ? TinyModels.Llama with { SlidingWindow = 5 } : TinyModels.ByName(family);
        c = c with { NCtx = nCtx };
        return HookedTransformer.Create(c, TinyModels.RandomWeights(c, 3), name: "tiny-" + family);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_agree_with_the_explicit_kernel_on_padded_batches(string family, PaddingSide side)
    {
        using var model = Model(family);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(AttentionRuns.Rows(model.Config.DVocab, 0, 9, 4, 1, 12), 0, side);
        var a = model.Run(batch, Array.Empty<Hook>(), null, Explicit).Output;
        var b = model.Run(batch, Array.Empty<Hook>(), null, Fused).Output;
        var real = batch.Mask.unsqueeze(-1).to_type(a.dtype); // padded positions are not compared
        float diff = TinyModels.MaxAbsDiff(a * real, b * real);
        Assert.True(diff < 1e-5, string.Create(CultureInfo.InvariantCulture, $"{family} {side}: {diff}"));
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Should_agree_with_the_explicit_kernel_when_decoding_with_a_kv_cache(string family)
    {
        using var model = Model(family);
        using var scope = NewDisposeScope();
        Tensor Decode(RunOptions o) => AttentionRuns.DecodeTwoSteps(model, o, 0);
        using var a = Decode(Explicit);
        using var b = Decode(Fused);
        Assert.True(TinyModels.MaxAbsDiff(a, b) < 1e-5);
    }

    [Fact]
    public void Should_pick_fused_for_long_and_managed_for_short_sequences_without_score_or_pattern_hooks()
    {
        using var model = Model("llama", nCtx: 256);
        using var scope = NewDisposeScope();
        // Short sequences take the managed kernel, long ones the fused kernel.
        foreach (var (length, kernel) in new[] { (20, AttentionKernel.Managed), (200, AttentionKernel.Fused) })
        {
            using var batch = TokenBatch.FromIds(
                AttentionRuns.Rows(model.Config.DVocab, 0, length, length - 3),
                0,
                PaddingSide.Right
            );
            var auto = model.Run(batch, Array.Empty<Hook>(), null).Output;
            var want = model.Run(batch, Array.Empty<Hook>(), null, new RunOptions { Attention = kernel }).Output;
            var other = model.Run(batch, Array.Empty<Hook>(), null, Explicit).Output;
            Assert.True(
                TinyModels.MaxAbsDiff(auto, want) == 0,
                string.Create(CultureInfo.InvariantCulture, $"length {length}")
            );
            Assert.False(TinyModels.MaxAbsDiff(auto, other) == 0); // the two kernels round differently, so the check can fail
        }
        // A hook on the pattern (every layer) needs the explicit kernel, even when fused is asked for.
        using var longBatch = TokenBatch.FromIds(AttentionRuns.Rows(model.Config.DVocab, 0, 200), 0, PaddingSide.Right);
        var read = Enumerable
            .Range(0, model.Config.NLayers)
            .Select(l => Hook.Read(HookPoints.AttnPattern.Name(l), (_, _) => { }))
            .ToArray();
        var hooked = model.Run(longBatch, read, null, Fused).Output;
        var plain = model.Run(longBatch, Array.Empty<Hook>(), null, Explicit).Output;
        Assert.True(TinyModels.MaxAbsDiff(hooked, plain) == 0);
    }
}
