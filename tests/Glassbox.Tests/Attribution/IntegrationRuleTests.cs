using Glassbox.Attribution;

namespace Glassbox.Tests.Attribution;

public sealed class IntegrationRuleTests
{
    [Theory]
    [InlineData(IntegrationRule.RiemannLeft)]
    [InlineData(IntegrationRule.RiemannRight)]
    [InlineData(IntegrationRule.RiemannMiddle)]
    [InlineData(IntegrationRule.RiemannTrapezoid)]
    [InlineData(IntegrationRule.GaussLegendre)]
    public void Should_have_weights_summing_to_one_and_alphas_in_the_unit_interval(IntegrationRule rule)
    {
        var (a, w) = IntegrationRules.Points(rule, 7);
        Assert.Equal(1.0, w.Sum(), 12);
        Assert.All(a, x => Assert.InRange(x, 0.0, 1.0));
    }

    [Fact]
    public void Should_match_captum_points_for_the_riemann_rules()
    {
        Assert.Equal([0, 0.25, 0.5, 0.75], IntegrationRules.Points(IntegrationRule.RiemannLeft, 4).Alphas);
        Assert.Equal([0.25, 0.5, 0.75, 1], IntegrationRules.Points(IntegrationRule.RiemannRight, 4).Alphas);
        Assert.Equal([0.125, 0.375, 0.625, 0.875], IntegrationRules.Points(IntegrationRule.RiemannMiddle, 4).Alphas);
        var (ta, tw) = IntegrationRules.Points(IntegrationRule.RiemannTrapezoid, 3);
        Assert.Equal([0, 0.5, 1], ta);
        Assert.Equal([0.25, 0.5, 0.25], tw);
    }

    [Fact]
    public void Should_give_gauss_legendre_nodes_of_numpy_leggauss()
    {
        var (x, w) = IntegrationRules.Legendre(2);
        Assert.Equal(-1 / Math.Sqrt(3), x[0], 12);
        Assert.Equal(1 / Math.Sqrt(3), x[1], 12);
        Assert.Equal(1.0, w[0], 12);
        var (x3, w3) = IntegrationRules.Legendre(3);
        Assert.Equal(0, x3[1], 12);
        Assert.Equal(8.0 / 9, w3[1], 12);
        Assert.Equal(Math.Sqrt(0.6), x3[2], 12);
    }

    [Fact]
    public void Should_integrate_degree_2n_minus_1_polynomials_exactly_with_gauss_legendre()
    {
        var (a, w) = IntegrationRules.Points(IntegrationRule.GaussLegendre, 4);
        double integral = a.Select((x, i) => w[i] * (7 * Math.Pow(x, 7) - 3 * Math.Pow(x, 4) + 1)).Sum();
        Assert.Equal(7.0 / 8 - 3.0 / 5 + 1, integral, 12);
    }
}
