using System.Globalization;
using Glassbox.Circuits.Weights;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Circuits;

public class WeightCircuitTests
{
    private static Tensor R(Generator g, params long[] shape) => randn(shape, dtype: ScalarType.Float64, generator: g);

    [Fact]
    public void Should_match_the_dense_product_norm_and_svd()
    {
        var g = new Generator(7);
        using var f = FactoredMatrix.Of(R(g, 9, 3), R(g, 3, 7));
        var dense = f.Product();
        Assert.Equal(linalg.norm(dense).item<double>(), f.Norm(), 8);
        using var svd = f.Svd();
        var dense_s = linalg.svdvals(dense).narrow(0, 0, 3);
        Assert.True((svd.S - dense_s).abs().max().item<double>() < 1e-9);
        var rebuilt = svd.U.matmul(diag(svd.S)).matmul(svd.Vh);
        Assert.True((rebuilt - dense).abs().max().item<double>() < 1e-9);
        using var other = FactoredMatrix.Of(R(g, 7, 2), R(g, 2, 5));
        using var prod = f.MatMul(other);
        Assert.True((prod.Product() - dense.matmul(other.Product())).abs().max().item<double>() < 1e-9);
        using var t = f.T();
        Assert.True((t.Product() - dense.t()).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void Should_give_the_nonzero_eigenvalues_of_the_dense_matrix()
    {
        var g = new Generator(11);
        using var f = FactoredMatrix.Of(R(g, 8, 3), R(g, 3, 8));
        var small = f.Eigenvalues(); // [3] complex
        var dense = linalg.eigvals(f.Product()); // [8] complex
        var big = dense.abs().argsort(descending: true).narrow(0, 0, 3);
        var a = small.abs().sort().Values;
        var b = dense.index_select(0, big).abs().sort().Values;
        Assert.True((a - b).abs().max().item<double>() < 1e-8);
        Assert.Equal(real(dense.sum()).item<double>(), real(small.sum()).item<double>(), 8); // trace
        Assert.Throws<InputException>(() => FactoredMatrix.Of(R(g, 8, 3), R(g, 3, 5)).Eigenvalues());
    }

    [Fact]
    public void Should_score_copying_one_and_anti_copying_minus_one()
    {
        var g = new Generator(3);
        var (q, _) = linalg.qr(R(g, 10, 4));
        using var copy = FactoredMatrix.Of(q.clone(), q.t().contiguous());
        using var anti = FactoredMatrix.Of(q.clone(), -q.t());
        Assert.Equal(1.0, copy.CopyingScore(), 9);
        Assert.Equal(-1.0, anti.CopyingScore(), 9);
    }

    [Fact]
    public void Should_compute_composition_scores_as_the_dense_formula()
    {
        using var model = TinyModels.Create("gpt2", seed: 4);
        var scores = WeightCircuits.CompositionScores(model);
        Assert.Equal(4 * 4, scores.Count); // 2 layers x 4 heads: only l1 < l2 pairs
        var a = new HeadRef(0, 2);
        var b = new HeadRef(1, 3);
        var ov1 = HeadWeights.WV(model, a).matmul(HeadWeights.WO(model, a));
        var qk2 = HeadWeights.WQ(model, b).matmul(HeadWeights.WK(model, b).t());
        var ov2 = HeadWeights.WV(model, b).matmul(HeadWeights.WO(model, b));
        double N(Tensor t) => linalg.norm(t.to_type(ScalarType.Float64)).item<double>();
        var row = scores.Single(s => s.From == "L0H2" && s.To == "L1H3");
        Assert.Equal(N(ov1.matmul(qk2)) / (N(ov1) * N(qk2)), row.Q, 4);
        Assert.Equal(N(ov1.matmul(qk2.t())) / (N(ov1) * N(qk2)), row.K, 4);
        Assert.Equal(N(ov1.matmul(ov2)) / (N(ov1) * N(ov2)), row.V, 4);
        Assert.NotEqual(row.Q, row.K);
        double baseline = WeightCircuits.RandomCompositionBaseline(model.Config, 20);
        Assert.InRange(baseline, 0.05, 0.9);
    }

    [Fact]
    public void Should_slice_head_weights_as_the_model_uses_them()
    {
        using var model = TinyModels.Create("llama", seed: 6); // RMSNorm, GQA, qkv biases
        using var batch = TokenBatch.Single(new[] { 4, 8, 15, 16, 23 });
        using var run = model.RunWithCache(batch, null, new RunOptions { UseAttnResult = true });
        var x = run.Cache[HookName.BlockNorm(1, "ln1", "hook_normalized")][0] / model.Weights["blocks.1.ln1.w"]; // [pos, d]
        int dh = model.Config.HeadDim;
        foreach (int h in new[] { 0, 3 })
        {
            var hr = new HeadRef(1, h);
            int kv = h / 2;
            var q = x.matmul(HeadWeights.WQ(model, hr)).Plus(model.Weights["blocks.1.attn.b_Q"].narrow(0, h * dh, dh));
            Assert.True(TinyModels.MaxAbsDiff(q, run.Cache[HookName.Attn(1, "hook_q")][0, .., h]) < 1e-4);
            var k = x.matmul(HeadWeights.WK(model, hr)).Plus(model.Weights["blocks.1.attn.b_K"].narrow(0, kv * dh, dh));
            Assert.True(TinyModels.MaxAbsDiff(k, run.Cache[HookName.Attn(1, "hook_k")][0, .., kv]) < 1e-4);
            var result = run.Cache[HookName.Attn(1, "hook_z")][0, .., h].matmul(HeadWeights.WO(model, hr));
            Assert.True(TinyModels.MaxAbsDiff(result, run.Cache[HookName.Attn(1, "hook_result")][0, .., h]) < 1e-4);
        }
    }

    [Fact]
    public void Should_give_bigrams_that_match_the_direct_path_rows()
    {
        using var model = TinyModels.Create("gpt2", seed: 8);
        var rows = WeightCircuits.Bigrams(model, new[] { 3, 9 }, k: 4);
        var dense = model.Weights["embed.W_E"].matmul(HeadWeights.WUFolded(model)); // [vocab, vocab]
        Assert.Equal(
            "#" + dense[9].argmax().item<long>().ToString(CultureInfo.InvariantCulture),
            rows[1].Next[0].Token
        );
        Assert.Equal(4, rows[0].Next.Count);
        Assert.Throws<InputException>(() => WeightCircuits.Bigrams(model, new[] { 50 }));
    }

    [Fact]
    public void Should_find_skip_trigrams_that_raise_the_output_logit_in_a_one_layer_attention_only_model()
    {
        var c = TinyModels.Gpt2 with { NLayers = 1, AttnOnly = true, DMlp = 0 };
        using var model = HookedTransformer.Create(c, TinyModels.RandomWeights(c, 9), name: "attn-only");
        var found = SkipTrigrams.Find(model, new SkipTrigramOptions { PerHead = 2, CheckSequences = 24 });
        Assert.Equal(c.NHeads * 2, found.Count);
        double mean = found.Average(t => t.LogitRise);
        Assert.True(mean > 0, string.Create(CultureInfo.InvariantCulture, $"mean logit rise {mean}"));
        Assert.True(
            found.Count(t => t.LogitRise > 0) > found.Count / 2,
            string.Join(
                "; ",
                found.Select(t =>
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{t.Head}:{t.Source}..{t.Destination}->{t.Output} {t.LogitRise:F3}"
                    )
                )
            )
        );
        using var two = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => SkipTrigrams.Find(two));
    }
}
