using Glassbox.Neurons.Sae;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary>Toy data with known sparse features in superposition (8 unit directions in 4 dimensions, each active
/// with probability 1/16 at a magnitude in [0.5, 1.5]), as in Elhage et al.'s toy models and Sharkey et al.'s SAE
/// check, made by the test itself.</summary>
internal sealed class ToyFeatures : IDisposable
{
    public const int Features = 8,
        Dims = 4;
    private readonly Generator _g;

    public ToyFeatures(int seed)
    {
        _g = new Generator((ulong)seed);
        var d = randn(new long[] { Features, Dims }, generator: _g);
        Directions = d.div(d.norm(1, keepdim: true)).DetachFromDisposeScope(); // [8, 4]
    }

    /// <summary>The true feature directions. // [8, 4]</summary>
    public Tensor Directions { get; }

    /// <summary>A batch of toy activations. // [n, 4]</summary>
    public Tensor Next(int n)
    {
        using var scope = NewDisposeScope();
        var on = rand(new long[] { n, Features }, generator: _g).Less(1.0 / 16); // [n, 8]
        var mag = rand(new long[] { n, Features }, generator: _g).AddScalar(0.5); // [n, 8]
        return mag.mul(on).matmul(Directions).MoveToOuterDisposeScope(); // [n, 4]
    }

    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static SaeConfig Config => new(Dims, Features * 2, "blocks.0.mlp.hook_post", 0, "toy");

    public void Dispose()
    {
        Directions.Dispose();
        _g.Dispose();
    }
}

public sealed class SaeTrainingTests
{
    private static SaeTrainOptions Options(double l1, int seed = 0) =>
        new(
            ExpansionFactor: 2,
            L1Coefficient: l1,
            LearningRate: 3e-3,
            BatchSize: 256,
            Steps: 1500,
            L1WarmupSteps: 100,
            Seed: seed,
            NormalizeActivations: false,
            BufferTokens: 256
        );

    /// <summary>For each true direction, the best cosine with any decoder row.</summary>
    private static float[] BestCosines(SparseAutoencoder sae, Tensor truth)
    {
        using var scope = NewDisposeScope();
        var rows = sae.WDec.div(sae.WDec.norm(1, keepdim: true).ClampMin(1e-8)); // [d_sae, 4]
        return truth.matmul(rows.t()).max(1).values.data<float>().ToArray(); // [8]
    }

    private static double L0(SparseAutoencoder sae, ToyFeatures data)
    {
        using var scope = NewDisposeScope();
        var x = data.Next(4096);
        return sae.Encode(x).Greater(0).sum(-1).to_type(ScalarType.Float64).mean().item<double>();
    }

    [Fact]
    public void Should_recover_sparse_ground_truth_features_in_superposition_and_beat_no_l1_on_l0()
    {
        using var data = new ToyFeatures(7);
        var trained = SaeTrainer.Train(data.Next, ToyFeatures.Config, Options(0.3));
        using var sae = trained.Sae;
        var best = BestCosines(sae, data.Directions);
        Assert.True(best.Count(c => c > 0.9) >= 6, "best cosines: " + string.Join(", ", best));

        using var baseline = SaeTrainer.Train(data.Next, ToyFeatures.Config, Options(0)).Sae;
        double l0 = L0(sae, data),
            l0Base = L0(baseline, data);
        Assert.True(l0 < l0Base / 2, FormattableString.Invariant($"L0 with L1 {l0:F2}, without {l0Base:F2}"));
        // The true L0 is 8/16 = 0.5 features per input; a sparse SAE stays within a few of it.
        Assert.InRange(l0, 0.2, 3);
    }

    [Fact]
    public void Should_keep_decoder_rows_at_unit_norm_with_the_unit_norm_penalty()
    {
        using var data = new ToyFeatures(3);
        var o = Options(0.3) with { Penalty = SaeSparsityPenalty.UnitNormDecoder, Steps = 200 };
        using var sae = SaeTrainer.Train(data.Next, ToyFeatures.Config, o).Sae;
        var norms = sae.WDec.norm(1).data<float>().ToArray();
        Assert.All(norms, n => Assert.InRange(n, 0.999f, 1.001f));
        Assert.False(sae.Config.ScaleSparsityPenaltyByDecoderNorm);
        Assert.True(sae.Config.NormalizeSaeDecoder);
    }

    [Fact]
    public void Should_save_a_tied_decoder_as_the_encoder_transpose()
    {
        using var data = new ToyFeatures(4);
        var o = Options(0.3) with { TiedDecoder = true, Steps = 100 };
        using var sae = SaeTrainer.Train(data.Next, ToyFeatures.Config, o).Sae;
        Assert.True(ToyFeatures.Same(sae.WDec, sae.WEnc.t()));
        Assert.True(sae.Config.TiedDecoder);
    }

    [Fact]
    public void Should_give_identical_weights_for_the_same_seed_and_different_ones_for_another()
    {
        SparseAutoencoder Run(int seed)
        {
            using var data = new ToyFeatures(11);
            return SaeTrainer.Train(data.Next, ToyFeatures.Config, Options(0.3, seed) with { Steps = 100 }).Sae;
        }
        using var a = Run(1);
        using var b = Run(1);
        using var c = Run(2);
        Assert.True(
            ToyFeatures.Same(a.WEnc, b.WEnc)
                && ToyFeatures.Same(a.WDec, b.WDec)
                && ToyFeatures.Same(a.BEnc, b.BEnc)
                && ToyFeatures.Same(a.BDec, b.BDec)
        );
        Assert.False(ToyFeatures.Same(a.WEnc, c.WEnc));
    }

    [Fact]
    public void Should_revive_dead_features_by_resampling_toward_high_loss_inputs()
    {
        using var data = new ToyFeatures(5);
        using var sae = SparseAutoencoder.Create(ToyFeatures.Config);
        using (no_grad())
            sae.BEnc.narrow(0, 0, 4).FillInPlace(-100.0); // features 0-3 can never fire
        using var x = data.Next(2048);
        using (var f = sae.Encode(x))
            Assert.Equal(0L, f.narrow(1, 0, 4).Greater(0).sum().item<long>());
        using var dead = zeros(sae.Config.DSae, ScalarType.Bool);
        dead.narrow(0, 0, 4).FillInPlace(true);
        int n = new SaeResampler(0).Resample(sae, false, dead, () => data.Next(256));
        Assert.Equal(4, n);
        using var after = sae.Encode(x); // [2048, d_sae]
        var fires = after.narrow(1, 0, 4).Greater(0).sum(new long[] { 0 }).data<long>().ToArray();
        Assert.All(fires, c => Assert.True(c > 0, "a resampled feature still never fires"));
        var rows = sae.WDec.narrow(0, 0, 4).norm(1).data<float>().ToArray();
        Assert.All(rows, r => Assert.InRange(r, 0.999f, 1.001f));
    }

    [Fact]
    public void Should_count_resampled_features_during_training_when_features_die()
    {
        using var data = new ToyFeatures(6);
        // A very large plain L1 on unit-norm decoder rows silences features (with the decoder-norm-weighted L1 a
        // feature can dodge the penalty by shrinking its decoder row instead); resampling every 20 steps must find
        // and re-initialise some.
        var o = Options(10) with
        {
            Penalty = SaeSparsityPenalty.UnitNormDecoder,
            Steps = 100,
            ResampleEvery = 20,
            LearningRate = 1e-2,
            L1WarmupSteps = 0,
        };
        var r = SaeTrainer.Train(data.Next, ToyFeatures.Config with { DSae = 32 }, o);
        r.Sae.Dispose();
        Assert.True(r.Resampled > 0, "no feature was resampled");
        Assert.Equal(r.Resampled, r.ResampleEvents.Sum(e => e.Count));
        Assert.All(r.ResampleEvents, e => Assert.Equal(19, e.Step % 20));
    }

    [Fact]
    public void Should_reject_bad_options_and_inputs_of_the_wrong_width()
    {
        using var data = new ToyFeatures(1);
        Assert.Throws<InputException>(() => SaeTrainer.Train(data.Next, ToyFeatures.Config, Options(-1)));
        Assert.Throws<InputException>(() => SaeTrainer.Train(data.Next, ToyFeatures.Config, Options(double.NaN)));
        Assert.Throws<InputException>(() =>
            SaeTrainer.Train(data.Next, ToyFeatures.Config with { DIn = 5 }, Options(0.1) with { Steps = 2 })
        );
        Assert.Throws<InputException>(() =>
            SaeTrainer.Train(
                n => full(new long[] { n, 4 }, float.NaN.ToScalar()),
                ToyFeatures.Config,
                Options(0.1) with
                {
                    Steps = 2,
                    NormalizeActivations = true,
                }
            )
        );
    }
}
