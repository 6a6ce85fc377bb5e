using Glassbox.Neurons.Sae;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Sae;

public sealed class SaeMetricsTests
{
    [Fact]
    public void Should_compute_mse_fve_l0_dead_and_dense_as_the_naive_formulas_do()
    {
        var g = new Generator(4);
        var cfg = new SaeConfig(5, 10, "blocks.0.mlp.hook_post", 0, "m", Seed: 2);
        using var sae = SparseAutoencoder.Create(cfg);
        using (no_grad())
        {
            sae.BEnc.copy_(randn(10, generator: g).MulScalar(0.3));
            sae.BEnc.narrow(0, 0, 2).FillInPlace(-1000.0); // two dead features
            sae.BEnc.narrow(0, 2, 1).FillInPlace(1000.0); // one feature that always fires (dense)
        }
        var seqs = new[] { 7, 3, 12 }.Select(n => randn(new long[] { n, 5 }, generator: g).AddScalar(0.5)).ToList();
        var m = SaeEvaluator.FromActivations(sae, seqs, new SaeEvalOptions(Resamples: 200));

        var rows = seqs.SelectMany(s => Rows(s)).ToList();
        var recon = seqs.SelectMany(s => Rows(sae.Reconstruct(s))).ToList();
        var feats = seqs.SelectMany(s => Rows(sae.Encode(s))).ToList();
        int n = rows.Count,
            d = 5;
        double sse = 0;
        for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            sse += Math.Pow(rows[i][j] - recon[i][j], 2);
        var mean = Enumerable.Range(0, d).Select(j => rows.Average(r => (double)r[j])).ToArray();
        double tss = rows.Sum(r => Enumerable.Range(0, d).Sum(j => Math.Pow(r[j] - mean[j], 2)));
        double l0 = feats.Average(f => f.Count(v => v > 0));
        var firing = Enumerable.Range(0, 10).Select(k => feats.Count(f => f[k] > 0) / (double)n).ToArray();

        Assert.Equal(n, m.Tokens);
        Assert.Equal(3, m.Sequences);
        Assert.Equal(sse / (n * d), m.Mse.Value, 1e-5);
        Assert.Equal(1 - sse / tss, m.ExplainedVariance.Value, 1e-5);
        Assert.Equal(l0, m.L0.Value, 1e-9);
        Assert.Equal(firing.Count(f => f == 0), m.DeadFeatures);
        Assert.True(m.DeadFeatures >= 2);
        Assert.Equal(firing.Count(f => f > 0.1), m.DenseFeatures);
        Assert.True(m.Mse.Lower <= m.Mse.Value && m.Mse.Value <= m.Mse.Upper);
        Assert.Null(m.LossRecovered);
        Assert.Equal(SaeEvaluator.NoLmLoss, m.Note);
    }

    private static List<float[]> Rows(Tensor t)
    {
        var flat = t.contiguous().data<float>().ToArray();
        int w = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => flat[(i * w)..((i + 1) * w)]).ToList();
    }

    [Fact]
    public void Should_define_loss_recovered_from_clean_sae_and_zero_losses()
    {
        Assert.Equal(1, SaeEvaluator.LossRecovered(2, 2, 5));
        Assert.Equal(0, SaeEvaluator.LossRecovered(2, 5, 5));
        Assert.Equal(0.5, SaeEvaluator.LossRecovered(2, 3.5, 5), 12);
        Assert.True(double.IsNaN(SaeEvaluator.LossRecovered(2, 3, 2)));
    }

    /// <summary>d_sae = 2·d_in with W_enc = [I, −I], W_dec = [I; −I] and no input bias reconstructs exactly
    /// (ReLU(x) − ReLU(−x) = x); a zero decoder outputs 0, which is zero-ablation.</summary>
    private static SparseAutoencoder Identity(string model, int d, bool zeroDecoder)
    {
        var eye = torch.eye(d);
        var wEnc = cat(new[] { eye, eye.neg() }, 1); // [d, 2d]
        var wDec = zeroDecoder ? zeros(2 * d, d) : cat(new[] { eye, eye.neg() }, 0); // [2d, d]
        var cfg = new SaeConfig(d, 2 * d, "blocks.1.mlp.hook_post", 1, model, ApplyBDecToInput: false);
        return new SparseAutoencoder(cfg, wEnc, zeros(2 * d), wDec, zeros(d));
    }

    private static List<IReadOnlyList<int>> Sequences() =>
        Enumerable
            .Range(0, 6)
            .Select(i => (IReadOnlyList<int>)Enumerable.Range(0, 5 + i).Select(j => (i * 7 + j * 3) % 50).ToList())
            .ToList();

    [Fact]
    public void Should_recover_all_of_the_loss_with_an_exact_reconstruction_and_none_with_a_zero_output()
    {
        using var model = TinyModels.Create("gpt2");
        using var perfect = Identity(model.Name, 64, zeroDecoder: false);
        var m = SaeEvaluator.Evaluate(model, perfect, Sequences(), new SaeEvalOptions(Resamples: 100, BatchTexts: 4));
        Assert.Equal(m.CeClean!.Value, m.CeSae!.Value, 12);
        Assert.NotEqual(m.CeClean.Value, m.CeZero!.Value);
        Assert.Equal(1, m.LossRecovered!.Value, 9);
        Assert.Equal(1, m.ExplainedVariance.Value, 9);
        Assert.Equal(0, m.Mse.Value, 12);

        using var zero = Identity(model.Name, 64, zeroDecoder: true);
        var z = SaeEvaluator.Evaluate(model, zero, Sequences(), new SaeEvalOptions(Resamples: 100, BatchTexts: 4));
        Assert.Equal(z.CeZero!.Value, z.CeSae!.Value, 12);
        Assert.Equal(0, z.LossRecovered!.Value, 9);
        Assert.Equal(m.CeClean.Value, z.CeClean!.Value, 12);
    }

    [Fact]
    public void Should_say_that_an_encoder_has_no_lm_loss_instead_of_a_loss_recovered()
    {
        using var model = TinyModels.Create("bert");
        int d = (int)model.Config.DMlp;
        using var sae = Identity(model.Name, d, zeroDecoder: false);
        var m = SaeEvaluator.Evaluate(model, sae, Sequences(), new SaeEvalOptions(Resamples: 0));
        Assert.Null(m.LossRecovered);
        Assert.Null(m.CeClean);
        Assert.Equal(SaeEvaluator.NoLmLoss, m.Note);
        Assert.Equal(1, m.ExplainedVariance.Value, 9);
    }

    [Fact]
    public void Should_read_feature_activations_on_token_ids_as_units()
    {
        using var model = TinyModels.Create("gpt2");
        using var sae = Identity(model.Name, 64, zeroDecoder: false);
        var ids = new[] { 1, 4, 9, 16 };
        using var f = SaeFeatures.OnIds(model, sae, ids); // [pos, 128]
        Assert.Equal(new long[] { 4, 128 }, f.shape);
        Assert.True(f.GreaterOrEqual(0).all().item<bool>());
        var unit = SaeFeatures.Unit(sae, 5);
        Assert.True(unit.Sae);
        Assert.Equal("sae:blocks.1.mlp.hook_post:5", unit.ToString());
    }
}
