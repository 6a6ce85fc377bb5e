using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Neurons;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

public sealed class VerificationTests
{
    private static readonly VerificationOptions Fast = new()
    {
        Ks = [2, 4, 40],
        RandomDraws = 3,
        Resamples = 200,
    };

    [Fact]
    public void Should_show_top_units_beating_random_and_bottom_units()
    {
        using var data = PlantedUnits.Make();
        var ranking = UnitRanker.Rank(data, RankingMethod.Probeless);
        var v = UnitVerification.Verify(data, ranking, Fast);
        var k4 = v.Sweep.Single(p => p.K == 4);
        Assert.True(k4.Top.Lower > k4.Random.Upper, $"top {k4.Top} vs random {k4.Random}");
        Assert.True(k4.Top.Value > k4.Bottom.Value + 0.3);
        Assert.True(k4.Selectivity > 0.3);
        Assert.DoesNotContain("Inconclusive", v.Verdict, StringComparison.Ordinal);
        // Ablating the planted units hurts the full probe far more than ablating as many random or bottom units.
        foreach (var a in v.Ablations.Where(a => a.K == 4))
        {
            Assert.True(
                a.Top.Value < a.Random.Value - 0.2,
                FormattableString.Invariant($"{a.Mode}: top {a.Top.Value} random {a.Random.Value}")
            );
            Assert.True(a.Top.Value < a.Bottom.Value - 0.2);
        }
        // With every unit, top, random and bottom are the same set.
        var all = v.Sweep.Single(p => p.K == 40);
        Assert.Equal(all.Top.Value, all.Bottom.Value, 6);
    }

    [Fact]
    public void Should_call_a_ranking_of_pure_noise_inconclusive()
    {
        using var data = PlantedUnits.Make(signal: 0);
        var ranking = UnitRanker.Rank(data, RankingMethod.Correlation);
        var v = UnitVerification.Verify(data, ranking, Fast with { Ks = [2, 4] });
        Assert.StartsWith("Inconclusive", v.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_ranking_of_another_hook()
    {
        using var data = PlantedUnits.Make(units: 8, rows: 50);
        var ranking = UnitRanker.Rank(data, RankingMethod.Correlation) with { Hook = "blocks.1.mlp.hook_post" };
        Assert.Throws<InputException>(() => UnitVerification.Verify(data, ranking, Fast));
    }

    [Fact]
    public void Should_zero_ablate_units_in_the_forward_like_the_zero_hook()
    {
        using var model = TinyModels.Create("gpt2");
        var hook = HookPoints.MlpPost.Name(0);
        int dMlp = model.Config.DMlp;
        var seqs = new[] { (IReadOnlyList<int>)[1, 2, 3, 4, 5], [5, 4, 3, 2] };
        using var means = zeros(dMlp);
        var all = Enumerable.Range(0, dMlp).ToArray();
        double ablated = LanguageModelLoss.Compute(
            model,
            seqs,
            [LmAblation.AblationHook(hook, all, AblationMode.Zero, means)]
        );
        double zero = LanguageModelLoss.Compute(model, seqs, [Hook.Zero(hook)]);
        double clean = LanguageModelLoss.Compute(model, seqs, []);
        Assert.Equal(zero, ablated, 6);
        Assert.NotEqual(clean, ablated, 3);
    }

    [Fact]
    public void Should_measure_lm_loss_for_top_random_and_bottom_units()
    {
        using var model = TinyModels.Create("gpt2");
        int dMlp = model.Config.DMlp;
        var order = Enumerable.Range(0, dMlp).ToArray();
        var ranking = new UnitRanking(
            HookPoints.MlpPost.Name(0),
            RankingMethod.Correlation,
            order,
            new double[dMlp],
            new int[dMlp],
            ["a", "b"],
            ""
        );
        var seqs = new[] { (IReadOnlyList<int>)[1, 2, 3, 4, 5], [5, 4, 3, 2] };
        var points = LmAblation.Measure(model, ranking, seqs, [dMlp], [AblationMode.Zero, AblationMode.Mean], 2);
        Assert.Equal(2, points.Count);
        // k = every unit: top, bottom and random ablate the same set.
        foreach (var p in points)
        {
            Assert.Equal(p.Top, p.Bottom, 6);
            Assert.Equal(p.Top, p.Random.Value, 6);
        }
    }
}

public sealed class VerdictTests
{
    private static KSweepPoint Point(int k, double top, double random) =>
        new(
            k,
            new Glassbox.Statistics.Interval(top, top - 0.01, top + 0.01),
            new Glassbox.Statistics.Interval(random, random - 0.01, random + 0.01),
            Glassbox.Statistics.Interval.PointOnly(0.1),
            null,
            null
        );

    [Fact]
    public void Should_say_where_top_units_win_and_where_random_units_win()
    {
        var v = UnitVerification.Verdict([Point(1, 0.2, 0.2), Point(5, 0.4, 0.3), Point(50, 0.5, 0.6)]);
        Assert.StartsWith("The top-ranked units beat random ones at k = 5 ", v, StringComparison.Ordinal);
        Assert.EndsWith("Random units beat them at k = 50.", v, StringComparison.Ordinal);
        Assert.StartsWith(
            "The ranking fails",
            UnitVerification.Verdict([Point(5, 0.2, 0.4)]),
            StringComparison.Ordinal
        );
    }
}
