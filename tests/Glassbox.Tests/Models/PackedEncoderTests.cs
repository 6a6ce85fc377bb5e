using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Models.Encode;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed encoder's products from MKL's packed copies of the weights: the same results as the plain
/// product for any thread count, and every in-place change of a weight (or of a view of it) seen on the next forward.</summary>
public sealed class PackedEncoderTests
{
    private static readonly RunOptions Libtorch = new() { ManagedEncoder = false };
    private static readonly RunOptions Unpacked = new() { PackedWeights = false };

    [SkippableFact]
    public unsafe void Should_give_the_same_bits_for_any_thread_count_and_the_plain_product()
    {
        Skip.IfNot(MklPackedWeight.Available, "libtorch carries no MKL packed GEMM here");
        var g = new Generator(5);
        foreach (var (m, n, k) in new[] { (1, 40, 16), (14, 1536, 384), (14, 384, 1536), (129, 400, 384) })
        {
            using var x = randn(m, k, generator: g);
            using var w = randn(n, k, generator: g);
            using var bias = randn(n, generator: g);
            using var reference = nn.functional.linear(x, w, bias);
            using var packed = PackedLinear.For(w)!;
            float[]? first = null;
            foreach (int parts in new[] { 1, 2, 3 })
            {
                using var y = empty(m, n);
                using var scratch = empty(m, n);
                EncoderKernels.Linear(Ptr(x), Ptr(w), Ptr(bias), Ptr(y), Ptr(scratch), m, n, k, parts, packed: packed);
                var bits = y.data<float>().ToArray();
                first ??= bits;
                Assert.Equal(first, bits);
                float diff = TinyModels.MaxAbsDiff(y, reference);
                Assert.True(diff <= 1e-3, string.Create(CultureInfo.InvariantCulture, $"{m}x{n}x{k}/{parts}: {diff}"));
            }
        }
    }

    [SkippableFact]
    public void Should_see_every_in_place_change_of_a_packed_weight_and_of_its_views()
    {
        Skip.IfNot(MklPackedWeight.Available, "libtorch carries no MKL packed GEMM here");
        using var model = TinyModels.Create("bert", seed: 8);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3, 4, 5, 6 } }, padId: 0);
        var edits = new (string Name, Action<Tensor> Edit)[]
        {
            ("blocks.0.attn.W_Q", t => t.MulScalarInPlace(0.5)), // a view of the fused W_QKV
            ("blocks.0.attn.W_V", t => t.narrow(0, 0, 1).AddScalarInPlace(0.3)), // a view of a view
            ("blocks.1.attn.W_O", t => t.copy_(t.flip(1))),
            ("blocks.0.mlp.W_in", t => t.AddScalarInPlace(0.05)),
            ("blocks.1.mlp.W_out", t => t.MulScalarInPlace(-1.0)),
        };
        long runs = model.ManagedRuns;
        var before = model.Forward(batch); // makes the packs
        Assert.Equal(runs + 1, model.ManagedRuns);
        foreach (var (name, edit) in edits)
        {
            using (no_grad())
                edit(model.Weights[name]);
            var after = model.Forward(batch);
            using var reference = model.Forward(batch, Libtorch);
            Assert.True(TinyModels.MaxAbsDiff(before, after) > 1e-4, name + ": the edit changed nothing");
            float d = TinyModels.MaxAbsDiff(after, reference);
            Assert.True(d <= 1e-5, string.Create(CultureInfo.InvariantCulture, $"after editing {name}: {d}"));
            before.Dispose();
            before = after;
        }
        before.Dispose();
    }

    [Fact]
    public void Should_match_the_unpacked_forward_and_keep_its_copies_with_the_model()
    {
        var model = TinyModels.Create("bert", seed: 9);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 2, 3 }, new[] { 4, 5, 0 } }, padId: 0);
        using var packed = model.Forward(batch);
        using var plain = model.Forward(batch, Unpacked);
        Assert.True(TinyModels.MaxAbsDiff(packed, plain) <= 1e-5);
        Assert.Equal(MklPackedWeight.Available, model.BlockParameters[0].Derived is EncoderPacks { Qkv: not null });
        model.Dispose();
        Assert.Null(model.BlockParameters[0].Derived);

        // A run of more rows than PackedLinear.MostRows reads the weights in place and makes no copies.
        using var other = TinyModels.Create("bert", seed: 9);
        var rows = Enumerable.Range(0, 9).Select(i => Enumerable.Range(1, 16).Select(j => (i + j) % 20 + 1).ToArray());
        using var many = TokenBatch.FromIds(rows.ToArray(), padId: 0);
        using var y = other.Forward(many);
        Assert.Null(other.BlockParameters[0].Derived);
    }

    [Fact]
    public void Should_fall_back_to_the_weights_themselves_when_they_carry_no_version()
    {
        HookedTransformer model;
        using (inference_mode())
            model = TinyModels.Create("bert", seed: 10); // inference tensors: no version counter
        using (model)
        {
            Assert.Null(TensorVersion.Of(model.Weights["blocks.0.mlp.W_in"]));
            using var batch = TokenBatch.FromIds(new[] { new[] { 3, 1, 4, 1, 5 } }, padId: 0);
            long runs = model.ManagedRuns;
            using var managed = model.Forward(batch);
            Assert.Equal(runs + 1, model.ManagedRuns);
            using var reference = model.Forward(batch, Libtorch);
            Assert.True(TinyModels.MaxAbsDiff(managed, reference) <= 1e-5);
        }
    }

    private static unsafe float* Ptr(Tensor t) => EncoderHooks.Ptr(t);
}
