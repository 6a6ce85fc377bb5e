using Glassbox.Neurons;
using Glassbox.Reports;

namespace Glassbox.Tests.Neurons.Viewer;

public sealed class UnitViewTests
{
    [Fact]
    public void Should_bin_every_value_once()
    {
        var bins = UnitView.HistogramOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], 5);
        Assert.Equal(5, bins.Count);
        Assert.Equal(10, bins.Sum(b => b.Count));
        Assert.Equal(0, bins[0].Lower);
        Assert.Empty(UnitView.HistogramOf([double.NaN]));
    }

    [Fact]
    public void Should_render_true_and_simulated_rows_with_escaped_tokens()
    {
        var excerpt = new ActivationExcerpt(["<b>", " dog"], [0.5f, 2f]);
        var view = new UnitView(
            "1.3",
            "fires on tokens: ' dog'",
            0.8,
            0.1,
            UnitView.HistogramOf([0.5, 2]),
            [new ViewedExcerpt(excerpt, [0, 10], "top")],
            [new TokenEffect("<x>", 1.5)],
            [new TokenEffect("y", -1.5)]
        );
        var report = new HtmlReport("t");
        UnitViewReport.Add(report, view, "glassbox neurons explain --unit 1.3");
        string html = report.BodyOf("unit-1-3")!;
        Assert.Contains("&lt;b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("simulated", html, StringComparison.Ordinal);
        Assert.Contains("rgba(255,120,0,1.00)", html, StringComparison.Ordinal); // the max token, full strength
        Assert.Contains("1.500", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
    }
}
