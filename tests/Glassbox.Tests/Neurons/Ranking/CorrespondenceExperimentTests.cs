using Glassbox.Hooks;
using Glassbox.Neurons;
using Glassbox.Probing;
using Glassbox.Tests.Neurons.Store;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

public sealed class CorrespondenceExperimentTests
{
    private static readonly string[] Vocabulary = { "the", "dog", "cat", "ran", "home", "a", "big", "red", "sun" };

    /// <summary>Generated sentences of 3-6 words that fit the tiny model's 40-byte context.</summary>
    private static List<IReadOnlyList<string>> Sentences(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable
            .Range(0, n)
            .Select(_ =>
                (IReadOnlyList<string>)
                    Enumerable.Range(0, rng.Next(3, 7)).Select(_ => Vocabulary[rng.Next(Vocabulary.Length)]).ToList()
            )
            .ToList();
    }

    private static readonly string Mlp0 = HookPoints.MlpPost.Name(0),
        Mlp1 = HookPoints.MlpPost.Name(1);

    [Fact]
    public void Should_agree_with_feature_space_cka_and_svcca_on_the_same_rows()
    {
        using var m = StoreTestData.Model();
        var sentences = Sentences(40, 1);
        var r = CorrespondenceExperiment.Run(
            [new CorrespondenceSource(m, [Mlp0, Mlp1])],
            sentences,
            new CorrespondenceOptions { Resamples = 50 }
        );
        using var reps = RepresentationExtractor.Words(m, sentences, new ExtractionOptions { Hooks = [Mlp0, Mlp1] });
        var expected = Correspondence.Similarity(reps.Layers[0], reps.Layers[1]);
        Assert.Equal(reps.Count, r.Rows);
        Assert.Equal(40, r.Sentences);
        Assert.Equal(expected.LinearCka, r.BiasedCka[0][1], 8);
        Assert.Equal(expected.Svcca, r.Svcca[0][1], 8);
        Assert.Equal(NaiveDebiasedCka(reps.Layers[0], reps.Layers[1]), r.Cka[0][1], 8);
        Assert.Equal(1.0, r.Cka[0][0], 8);
        var pair = Assert.Single(r.Pairs);
        Assert.Equal(r.Cka[0][1], pair.Cka.Value);
        Assert.True(pair.Cka.Lower <= pair.Cka.Value && pair.Cka.Value <= pair.Cka.Upper, pair.Cka.ToString());
        Assert.True(pair.Cka.Upper - pair.Cka.Lower > 0, "a bootstrap over 40 sentences has width");
        // Shuffled rows break the correspondence: the debiased control is about 0, well below the real CKA.
        Assert.True(pair.ControlCka < pair.Cka.Lower, pair.Cka.ToString());
        Assert.InRange(pair.ControlCka, -0.05, 0.05);
        Assert.True(pair.BiasedCka > pair.Cka.Value, "the original estimator is biased upwards");
    }

    /// <summary>Song et al. (2012)'s unbiased HSIC written out term by term on K = X Xᵀ with a zeroed diagonal:
    /// [tr(K̃L̃) + 1ᵀK̃1 · 1ᵀL̃1 / ((n−1)(n−2)) − 2/(n−2) · 1ᵀK̃L̃1] / (n(n−3)).</summary>
    private static double NaiveDebiasedCka(Tensor a, Tensor b)
    {
        static double[,] Gram(Tensor x)
        {
            var v = x.to(ScalarType.Float64).data<double>().ToArray();
            int n = (int)x.shape[0],
                d = (int)x.shape[1];
            var k = new double[n, n];
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j)
                    for (int f = 0; f < d; f++)
                        k[i, j] += v[i * d + f] * v[j * d + f];
            return k;
        }
        static double Hsic(double[,] k, double[,] l)
        {
            int n = k.GetLength(0);
            double trace = 0,
                sk = 0,
                sl = 0,
                cross = 0;
            var kRow = new double[n];
            var lRow = new double[n];
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                trace += k[i, j] * l[j, i];
                sk += k[i, j];
                sl += l[i, j];
                kRow[i] += k[i, j];
                lRow[j] += l[i, j];
            }
            for (int i = 0; i < n; i++)
                cross += kRow[i] * lRow[i];
            return (trace + sk * sl / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * cross) / (n * (n - 3.0));
        }
        var (ka, kb) = (Gram(a), Gram(b));
        return Hsic(ka, kb) / Math.Sqrt(Hsic(ka, ka) * Hsic(kb, kb));
    }

    [Fact]
    public void Should_find_every_unit_of_a_hook_compared_with_itself()
    {
        using var m = StoreTestData.Model();
        var r = CorrespondenceExperiment.Run(
            [new CorrespondenceSource(m, [Mlp1, Mlp1])],
            Sentences(30, 2),
            new CorrespondenceOptions { Resamples = 0, TopUnits = 5 }
        );
        Assert.Equal(1.0, r.Cka[0][1], 8);
        Assert.Equal(1.0, r.Svcca[0][1], 6);
        Assert.Equal([1], r.RankedAgainst);
        Assert.Equal(5, r.TopUnits.Count);
        Assert.All(r.TopUnits, u => Assert.Equal(1.0, u.MaxCorr, 6));
        Assert.True(
            r.ControlMaxCorr < 0.9,
            r.ControlMaxCorr.ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
        Assert.True(double.IsNaN(r.Pairs[0].Cka.Lower), "zero resamples give a point estimate only");
    }

    [Fact]
    public void Should_compare_two_models_on_the_words_both_produced_and_rank_against_the_other_model()
    {
        using var a = StoreTestData.Model(seed: 0);
        using var b = StoreTestData.Model(seed: 7);
        var r = CorrespondenceExperiment.Run(
            [new CorrespondenceSource(a, [Mlp0, Mlp1]), new CorrespondenceSource(b, [Mlp1])],
            Sentences(30, 3),
            new CorrespondenceOptions { Resamples = 20, MaxRows = 60 }
        );
        Assert.Equal(3, r.Representations.Count);
        Assert.Equal([2], r.RankedAgainst); // the reference's units are matched in the other model only
        Assert.True(r.Rows <= 60);
        Assert.Equal(3, r.Pairs.Count);
        Assert.All(r.Pairs, p => Assert.InRange(p.Cka.Value, 0.0, 1.0 + 1e-9));
        Assert.Equal("tiny-bytes:" + Mlp1, r.Representations[2].Label);
    }

    [Fact]
    public void Should_refuse_a_single_representation()
    {
        using var m = StoreTestData.Model();
        var e = Assert.Throws<InputException>(() =>
            CorrespondenceExperiment.Run([new CorrespondenceSource(m, [Mlp0])], Sentences(5, 4), new())
        );
        Assert.Contains("two representations", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_too_few_rows()
    {
        using var m = StoreTestData.Model();
        var e = Assert.Throws<InputException>(() =>
            CorrespondenceExperiment.Run(
                [new CorrespondenceSource(m, [Mlp0, Mlp1])],
                Sentences(5, 4),
                new CorrespondenceOptions { MaxRows = 2 }
            )
        );
        Assert.Contains("--max-rows", e.Message, StringComparison.Ordinal);
    }
}
