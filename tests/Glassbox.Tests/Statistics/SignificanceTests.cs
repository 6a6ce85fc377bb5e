using Glassbox.Statistics;
using MathNet.Numerics;

namespace Glassbox.Tests.Statistics;

public class SignificanceTests
{
    [Fact]
    public void Should_give_the_known_one_sample_t_test()
    {
        var r = Significance.OneSampleT(new[] { 1.0, 2, 3, 4, 5 }, mu: 2);
        Assert.Equal(Math.Sqrt(2), r.T, 10);
        Assert.Equal(4, r.DegreesOfFreedom);
        Assert.Equal(0.2302, r.P, 4);
        // Independent check: two-sided p = I_{df/(df+t²)}(df/2, 1/2).
        Assert.Equal(SpecialFunctions.BetaRegularized(2, 0.5, 4 / (4 + r.T * r.T)), r.P, 12);
        Assert.Equal(1 / Math.Sqrt(2.5), r.CohensD, 12);
    }

    [Fact]
    public void Should_give_the_prediction_t_test_of_one_new_value()
    {
        // Sample 1..5: mean 3, sd √2.5; x = 7 gives t = 4 / (√2.5 · √1.2) = 4 / √3 on 4 degrees of freedom.
        var r = Significance.PredictionT(7, new[] { 1.0, 2, 3, 4, 5 });
        Assert.Equal(4 / Math.Sqrt(3), r.T, 12);
        Assert.Equal(4, r.DegreesOfFreedom);
        Assert.Equal(SpecialFunctions.BetaRegularized(2, 0.5, 4 / (4 + r.T * r.T)), r.P, 12);
        Assert.Equal(4 / Math.Sqrt(2.5), r.CohensD, 12);
        Assert.Equal(1, Significance.PredictionT(3, new[] { 1.0, 2, 3, 4, 5 }).P, 12);
        Assert.Equal(0, Significance.PredictionT(2, new[] { 1.0, 1 }).P);
        Assert.Equal(1, Significance.PredictionT(1, new[] { 1.0, 1 }).P);
        Assert.Throws<InputException>(() => Significance.PredictionT(double.NaN, new[] { 1.0, 2 }));
        Assert.Throws<InputException>(() => Significance.PredictionT(1, new[] { 1.0 }));
    }

    [Fact]
    public void Should_give_welchs_t_test_as_in_rs_documentation_example()
    {
        // R: t.test(1:10, y = c(7:20)) -> t = -5.4349, df = 21.982, p-value = 1.855e-05.
        var r = Significance.WelchT(
            Enumerable.Range(1, 10).Select(i => (double)i).ToArray(),
            Enumerable.Range(7, 14).Select(i => (double)i).ToArray()
        );
        Assert.Equal(-5.4349297638940595, r.T, 10);
        Assert.Equal(21.98221234018899, r.DegreesOfFreedom, 9);
        Assert.InRange(r.P, 1.8545e-5, 1.8555e-5);
        Assert.Equal(
            SpecialFunctions.BetaRegularized(
                r.DegreesOfFreedom / 2,
                0.5,
                r.DegreesOfFreedom / (r.DegreesOfFreedom + r.T * r.T)
            ),
            r.P,
            15
        );
        Assert.Equal(-8, r.MeanDifference, 12);
        Assert.Equal(-2.1311817106645243, r.CohensD, 10);
    }

    [Fact]
    public void Should_adjust_p_values_by_holm_and_bonferroni()
    {
        var p = new[] { 0.01, 0.04, 0.03, 0.005 };
        Assert.Equal(new[] { 0.03, 0.06, 0.06, 0.02 }, Significance.Holm(p).Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 0.04, 0.16, 0.12, 0.02 }, Significance.Bonferroni(p).Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 1.0, 1.0 }, Significance.Bonferroni(new[] { 0.6, 0.9 }));
        Assert.Empty(Significance.Holm(Array.Empty<double>()));
    }

    [Fact]
    public void Should_repeat_a_permutation_test_with_its_seed()
    {
        var x = new[] { 1.2, 3.4, 2.2, 5.1, 4.4, 3.3 };
        var y = new[] { 2.0, 6.1, 5.5, 7.2, 6.6 };
        var a = Significance.Permutation(x, y, 2000, seed: 9);
        Assert.Equal(a, Significance.Permutation(x, y, 2000, seed: 9));
        Assert.Equal(x.Average() - y.Average(), a.Difference, 12);
        Assert.InRange(a.P, 1 / 2001.0, 1);
        Assert.Equal(Math.Round(a.P * 2001), a.P * 2001, 6); // (1 + count) / (1 + B)
    }

    [Fact]
    public void Should_give_p_one_for_identical_groups_and_a_small_p_for_separated_ones()
    {
        var same = new[] { 1.0, 2, 3, 4 };
        Assert.Equal(1.0, Significance.Permutation(same, same, 500, 1).P);
        var low = Enumerable.Range(1, 10).Select(i => (double)i).ToArray();
        var high = low.Select(v => v + 100).ToArray();
        Assert.True(Significance.Permutation(low, high, 999, 2).P <= 0.002);
    }

    [Fact]
    public void Should_reject_empty_short_and_non_finite_samples_and_bad_p_values()
    {
        Assert.Throws<InputException>(() => Significance.OneSampleT(Array.Empty<double>()));
        Assert.Throws<InputException>(() => Significance.OneSampleT(new[] { 1.0 }));
        Assert.Throws<InputException>(() => Significance.OneSampleT(new[] { 1.0, double.NaN }));
        Assert.Throws<InputException>(() =>
            Significance.WelchT(new[] { 1.0, 2 }, new[] { 1.0, double.PositiveInfinity })
        );
        Assert.Throws<InputException>(() => Significance.Permutation(Array.Empty<double>(), new[] { 1.0 }));
        Assert.Throws<InputException>(() => Significance.Permutation(new[] { 1.0 }, new[] { 2.0 }, 0));
        Assert.Throws<InputException>(() => Significance.CohensD(new[] { 1.0, 2 }, Array.Empty<double>()));
        Assert.Throws<InputException>(() => Significance.Holm(new[] { 0.5, 1.2 }));
        Assert.Throws<InputException>(() => Significance.Bonferroni(new[] { double.NaN }));
    }

    [Fact]
    public void Should_give_an_infinite_t_and_zero_p_when_a_constant_sample_differs_from_mu()
    {
        var r = Significance.OneSampleT(new[] { 3.0, 3, 3 }, 1);
        Assert.True(double.IsPositiveInfinity(r.T));
        Assert.Equal(0, r.P);
        Assert.True(double.IsNaN(Significance.OneSampleT(new[] { 3.0, 3, 3 }, 3).P));
    }
}
