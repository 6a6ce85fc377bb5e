using Glassbox.Neurons;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

public sealed class RankingTests
{
    [Theory]
    [InlineData(RankingMethod.Correlation)]
    [InlineData(RankingMethod.Probe)]
    [InlineData(RankingMethod.Gaussian)]
    [InlineData(RankingMethod.Probeless)]
    [InlineData(RankingMethod.Iou)]
    public void Should_put_the_planted_units_first(RankingMethod method)
    {
        using var data = PlantedUnits.Make();
        var ranking = UnitRanker.Rank(data, method, new RankingOptions { GaussianSteps = 4 });
        Assert.Equal(PlantedUnits.Planted.Order(), ranking.Top(4).Order());
        Assert.Equal(data.Units, ranking.Order.Distinct().Count());
        // Each planted unit is tied to the class it fires for.
        for (int c = 0; c < 4; c++)
            Assert.Equal(c, ranking.BestClass[PlantedUnits.Planted[c]]);
    }

    [Fact]
    public void Should_compute_correlation_as_the_pearson_r_with_the_class_indicator()
    {
        using var data = PlantedUnits.Make(units: 8, rows: 50);
        var (scores, _, _) = UnitStatistics.Correlation(data.Train, data.TrainLabels, 4);
        var x = data.Train.data<float>().ToArray();
        for (int u = 0; u < 8; u++)
        {
            double best = 0;
            for (int c = 0; c < 4; c++)
            {
                var a = Enumerable.Range(0, 50).Select(r => (double)x[r * 8 + u]).ToArray();
                var b = data.TrainLabels.Select(y => y == c ? 1.0 : 0.0).ToArray();
                best = Math.Max(best, Math.Abs(MathNet.Numerics.Statistics.Correlation.Pearson(a, b)));
            }
            Assert.Equal(best, scores[u], 9);
        }
    }

    [Fact]
    public void Should_order_units_by_weight_mass_like_neurox()
    {
        // Class 0 puts 90% of its mass on unit 2; class 1 splits 50/50 between units 0 and 1; unit 3 has no weight.
        using var w = tensor(new float[] { 0.05f, 0.5f, 0.05f, 0.5f, 0.9f, 0f, 0f, 0f }).view(4, 2);
        var (scores, best, order) = LinguisticCorrelation.Ordering(w);
        Assert.Equal(new[] { 2, 0, 1, 3 }, order);
        Assert.Equal(0.9, scores[2], 6);
        Assert.Equal(1, best[0]);
        Assert.Equal(0, best[2]);
    }

    [Fact]
    public void Should_refuse_bad_options_with_input_exceptions()
    {
        using var data = PlantedUnits.Make(units: 8, rows: 50);
        Assert.Throws<InputException>(() =>
            UnitRanker.Rank(data, RankingMethod.Iou, new RankingOptions { IouQuantile = 1 })
        );
        Assert.Throws<InputException>(() =>
            UnitRanker.Rank(data, RankingMethod.Probe, new RankingOptions { LambdaGrid = [(-1, 0)] })
        );
        Assert.Throws<InputException>(() =>
            UnitRanker.Rank(data, RankingMethod.Gaussian, new RankingOptions { GaussianSteps = 0 })
        );
    }
}
