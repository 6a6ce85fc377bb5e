using Glassbox.Statistics;

namespace Glassbox.Tests.Statistics;

public sealed class CorrelationTests
{
    [Fact]
    public void Should_match_mathnet_and_be_nan_when_undefined()
    {
        double[] x = [1, 2, 3, 4, 5.5],
            y = [2, 1, 4, 3, 7];
        Assert.Equal(MathNet.Numerics.Statistics.Correlation.Pearson(x, y), Correlation.Pearson(x, y), 12);
        Assert.Equal(1.0, Correlation.Pearson(x, x), 12);
        Assert.True(double.IsNaN(Correlation.Pearson(x, [1, 1, 1, 1, 1])));
        Assert.True(double.IsNaN(Correlation.Pearson(x, [1, 2])));
        Assert.True(double.IsNaN(Correlation.Pearson([1.0], [2.0])));
        Assert.Equal(
            Correlation.Pearson(x, y),
            Correlation.Pearson(x.Select(v => (float)v).ToArray(), y.Select(v => (float)v).ToArray()),
            6
        );
    }
}
