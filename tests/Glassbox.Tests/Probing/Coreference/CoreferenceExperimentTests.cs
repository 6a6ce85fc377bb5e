using System.Globalization;
using Glassbox.Data;
using Glassbox.Probing.Coreference;
using Glassbox.Reports;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing.Coreference;

public class CoreferenceExperimentTests
{
    [Fact]
    public void Should_learn_a_map_that_recovers_the_agreeing_candidate_where_raw_cosine_fails()
    {
        // Feature 0 is the agreement feature (+1/-1), shared by pronoun and antecedent; the distractor has the opposite
        // sign. Every vector also carries a large shared component that the pronoun shares with the distractor more,
        // so raw cosine prefers the distractor.
        Tensor Make(int n, int seed)
        {
            var gen = new Generator((ulong)seed);
            return randn(n, 8, generator: gen);
        }
        int nTr = 400,
            nTe = 200;
        (Tensor P, Tensor A, Tensor D) Set(int n, int seed)
        {
            var sign = randint(0, 2, new long[] { n }, generator: new Generator((ulong)seed))
                .MulScalar(2L)
                .AddScalar(-1L)
                .to(ScalarType.Float32);
            var common = Make(n, seed + 1);
            var p = common.clone();
            var a = Make(n, seed + 2).MulScalar(0.3);
            var d = common.MulScalar(0.9).Plus(Make(n, seed + 3).MulScalar(0.1));
            p[.., 0] = sign;
            a[.., 0] = sign;
            d[.., 0] = -sign;
            return (p, a, d);
        }
        var tr = Set(nTr, 10);
        var te = Set(nTe, 20);
        var raw = SimilarityProbe.RawCorrect(te.P, te.A, te.D).Average(b => b ? 1.0 : 0);
        using var probe = SimilarityProbe.Train(tr.P, tr.A, tr.D, new SimilarityProbeOptions { Rank = 4, Seed = 1 });
        var acc = probe.Correct(te.P, te.A, te.D).Average(b => b ? 1.0 : 0);
        Assert.True(raw < 0.7, string.Create(CultureInfo.InvariantCulture, $"raw {raw:F3}"));
        Assert.True(acc > 0.95, string.Create(CultureInfo.InvariantCulture, $"probe {acc:F3} (raw {raw:F3})"));
    }

    [Fact]
    public void Should_run_every_layer_with_cues_and_baselines_on_a_tiny_model()
    {
        using var model = ProbingFixtures.MaskedLm();
        var train = PronounSentences.Generate(48, 0);
        var test = PronounSentences.Generate(24, 1, heldOut: true);
        var r = CoreferenceExperiment.Run(
            model,
            train,
            test,
            new CoreferenceOptions
            {
                Probe = new SimilarityProbeOptions { Steps = 40, Rank = 4 },
                Resamples = 50,
            }
        );
        Assert.Equal(model.Config.NLayers + 1, r.Layers.Count);
        Assert.Equal(48, r.TrainSentences);
        Assert.Equal(24, r.TestSentences);
        Assert.Equal(0.5, r.Chance);
        Assert.All(r.Layers, l =>
        {
            Assert.InRange(l.Raw.Value, l.Raw.Lower, l.Raw.Upper);
            Assert.InRange(l.Probe.Value, 0, 1);
            Assert.Equal(new[] { "gender", "number" }, l.RawByCue.Keys.Order());
            Assert.NotNull(l.RandomModelProbe);
        });
        var report = new HtmlReport("t");
        CoreferenceReport.AddSection(report, r, model.Name, "test data");
        Assert.Contains("Coreference by similarity", report.Render());
    }
}
