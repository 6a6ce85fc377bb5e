using System.Text.RegularExpressions;
using Glassbox.Probing.Structural;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Tests.Probing.Structural;

public class StructuralReportTests
{
    private static readonly string[] Words = { "The", "cat", "sat", "on", "<mat>", "." };
    private static readonly int[] Gold = { 2, 3, 0, 5, 3, 3 };

    [Fact]
    public void Should_draw_gold_arcs_above_and_predicted_arcs_below_with_wrong_edges_dashed()
    {
        // Predicted: The-cat, cat-sat, sat-on (wrong), on-mat; punctuation has no predicted edge.
        int[] predicted = { 2, 3, 0, 3, 4, -1 };
        var svg = TreeDrawing.Svg(Words, Gold, predicted);
        Assert.StartsWith("<svg", svg);
        Assert.Equal(5, Regex.Matches(svg, "stroke='#1f77b4' stroke-width").Count); // gold arcs
        Assert.Equal(4, Regex.Matches(svg, "stroke='#ff7f0e' stroke-width").Count); // predicted arcs
        Assert.Single(Regex.Matches(svg, "#ff7f0e' stroke-width='1.5' stroke-dasharray"));
        Assert.Contains("predicted (wrong): sat – on", svg);
        Assert.Contains("&lt;mat&gt;", svg);
        Assert.DoesNotContain("<mat>", svg);
        Assert.Throws<GlassboxException>(() => TreeDrawing.Svg(Words, Gold, new[] { 1 }));
    }

    [Fact]
    public void Should_add_a_section_with_a_metrics_table_a_layer_chart_and_a_tree()
    {
        var curve = new ProbeTrainingCurve(new[] { 1.0, 0.5 }, new[] { 1.1, 0.6 }, 2, 2);
        StructuralProbeResult Result(double uuas) =>
            new(
                uuas,
                new Interval(uuas, uuas - 0.05, uuas + 0.05),
                0.7,
                0.8,
                new Interval(0.8, 0.7, 0.9),
                0.75,
                0.3,
                curve,
                curve,
                64,
                1,
                100,
                Array.Empty<int[]>()
            );
        var report = new HtmlReport("t");
        StructuralReport.AddSection(
            report,
            "Structural probes",
            new[] { ("embed", Result(0.4)), ("blocks.0", Result(0.6)), ("blocks.1", Result(0.7)) },
            new StructuralTreeExample(Words, Gold, new[] { 2, 3, 0, 5, 3, -1 }, "blocks.1, sentence 1")
        );
        Assert.Equal(("structural-probes", "Structural probes"), report.Sections.Single());
        var html = report.Render();
        Assert.Contains("<td>blocks.0</td><td>0.600</td><td>[0.550, 0.650]</td>", html);
        Assert.Contains("<polyline", html);
        Assert.Contains("right-branching UUAS 0.300", html);
        Assert.Contains("blocks.1, sentence 1", html);
        Assert.Equal(2, Regex.Matches(html, "<polyline").Count);
    }
}
