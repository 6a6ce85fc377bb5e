using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Models.Components;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed attention kernel against libtorch's explicit scores and softmax: every family, padding on
/// either side, grouped-query heads, a sliding window, head sizes on and off the vector path, a KV cache, strided
/// inputs, rows with every key masked; and the fall-back to the explicit path when gradients are kept.</summary>
public sealed class ManagedAttentionTests
{
    private static readonly RunOptions Explicit = new() { Attention = AttentionKernel.Explicit };
    private static readonly RunOptions Managed = new() { Attention = AttentionKernel.Managed };

    public static IEnumerable<object[]> Cases() =>
        new[] { "gpt2", "llama", "bert", "gpt_neox", "llama-window", "llama-wide" }.SelectMany(f =>
            new[] { PaddingSide.Right, PaddingSide.Left }.Select(s => new object[] { f, s })
        );

    private static HookedTransformer Model(string family)
    {
        var c = family switch
        {
            "llama-window" => TinyModels.Llama with { SlidingWindow = 5 },
            "llama-wide" => TinyModels.Llama with { DModel = 64, NHeads = 4, NKvHeads = 1 }, // d_head 16: vector lanes
            _ => TinyModels.ByName(family),
        };
        return HookedTransformer.Create(c, TinyModels.RandomWeights(c, 5), name: "tiny-" + family);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_agree_with_the_explicit_kernel_on_padded_batches(string family, PaddingSide side)
    {
        using var model = Model(family);
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(AttentionRuns.Rows(model.Config.DVocab, 7, 9, 4, 1, 12, 17), 0, side);
        var a = model.Run(batch, Array.Empty<Hook>(), null, Explicit).Output;
        var b = model.Run(batch, Array.Empty<Hook>(), null, Managed).Output;
        var real = batch.Mask.unsqueeze(-1).to_type(a.dtype); // padded positions are not compared
        float diff = TinyModels.MaxAbsDiff(a * real, b * real),
            scale = Math.Max(1f, (a * real).abs().max().item<float>());
        Assert.True(
            diff < 1e-5 * scale,
            string.Create(CultureInfo.InvariantCulture, $"{family} {side}: {diff} of {scale}")
        );
        Assert.True(diff > 0 || family == "bert", "the managed kernel was not used"); // bert takes the managed encoder
    }

    [Fact]
    public void Should_agree_with_the_explicit_kernel_when_decoding_with_a_kv_cache()
    {
        using var model = Model("llama");
        using var scope = NewDisposeScope();
        Tensor Decode(RunOptions o) => AttentionRuns.DecodeTwoSteps(model, o, 7);
        using var a = Decode(Explicit);
        using var b = Decode(Managed);
        Assert.True(TinyModels.MaxAbsDiff(a, b) < 1e-5);
        Assert.True(TinyModels.MaxAbsDiff(a, b) > 0); // the managed kernel ran
        // Fewer than 8 queries (a 7-token prompt, then one token a step): the automatic choice is the explicit kernel.
        using var auto = Decode(RunOptions.Default);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(a, auto));
    }

    // The explicit formula in libtorch ops: scores, masked fill with the lowest float, softmax, weighted values.
    private static Tensor Reference(Tensor q, Tensor k, Tensor v, Tensor mask) // -> [batch, head, pos, d_head]
    {
        var scores = matmul(q, k.transpose(-1, -2)).MulScalar(1.0 / Math.Sqrt(q.shape[3]));
        scores = scores.MaskedFill(mask.logical_not(), float.MinValue);
        return matmul(scores.softmax(-1), v);
    }

    [Fact]
    public void Should_match_the_explicit_formula_on_strided_inputs_and_fully_masked_rows()
    {
        using var scope = NewDisposeScope();
        using var grad = no_grad();
        var g = Generator();
        int b = 3,
            h = 2,
            p = 6,
            dh = 12;
        // q, k, v as strided views of one wider tensor, as the fused Q/K/V product gives them.
        var qkv = randn(new long[] { b, p, 3 * h * dh }, generator: g);
        Tensor Part(int i) => qkv.narrow(-1, i * h * dh, h * dh).view(b, p, h, dh).transpose(1, 2);
        var (q, k, v) = (Part(0), Part(1), Part(2));
        var mask = rand(new long[] { b, 1, p, p }, generator: g).Greater(0.4);
        mask[1, 0, 2] = zeros(p, ScalarType.Bool); // a row with every key masked: uniform over all keys
        var want = Reference(q, k, v, mask);
        var got = ManagedAttention.Forward(q, k, v, mask, causal: false, groups: 1);
        Assert.True(TinyModels.MaxAbsDiff(want, got) < 1e-5);
        var uniform = v[1].mean(new long[] { 1 }); // [head, d_head]
        Assert.True(TinyModels.MaxAbsDiff(got[1, .., 2], uniform) < 1e-5);
        // One mask row for every batch row, and the plain causal mask without a tensor.
        var shared = ones(p, p, dtype: ScalarType.Bool).tril().view(1, 1, p, p);
        var causal = Reference(q, k, v, shared);
        Assert.True(TinyModels.MaxAbsDiff(causal, ManagedAttention.Forward(q, k, v, shared, false, 1)) < 1e-5);
        Assert.True(TinyModels.MaxAbsDiff(causal, ManagedAttention.Forward(q, k, v, null, true, 1)) < 1e-5);
        // A NaN in a query makes its row NaN, as in the explicit path: never a finite number in its place.
        var bad = q.clone();
        bad[0, 0, 3, 0] = tensor(float.NaN);
        var nan = ManagedAttention.Forward(bad, k, v, null, true, 1);
        Assert.True(nan[0, 0, 3].isnan().all().item<bool>());
        Assert.Equal(1L * dh, nan.isnan().sum().item<long>());
    }

    [Fact]
    public void Should_take_the_explicit_path_when_gradients_are_kept()
    {
        using var model = Model("llama");
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(AttentionRuns.Rows(model.Config.DVocab, 7, 9, 4), 0, PaddingSide.Right);
        var keep = model.Run(batch, Array.Empty<Hook>(), null, Managed with { KeepGradients = true }).Output;
        var expl = model.Run(batch, Array.Empty<Hook>(), null, Explicit with { KeepGradients = true }).Output;
        Assert.True(TinyModels.MaxAbsDiff(keep, expl) == 0);
        Assert.True(keep.requires_grad);
    }

    private static TorchSharp.torch.Generator Generator() => new TorchSharp.torch.Generator(11);
}
