using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Training;

/// <summary>The training loss curve as an HTML page with an inline SVG chart (smoothed loss, uniform baseline).</summary>
public static class LossCurve
{
    /// <summary>The chart: at most 200 points, each the mean loss of its bucket of steps.</summary>
    public static string Svg(TrainResult r)
    {
        int n = r.Losses.Count,
            buckets = Math.Min(200, n);
        var labels = new List<string>();
        var ys = new List<double>();
        for (int b = 0; b < buckets; b++)
        {
            int lo = b * n / buckets,
                hi = Math.Max(lo + 1, (b + 1) * n / buckets);
            ys.Add(r.Losses.Skip(lo).Take(hi - lo).Average());
            labels.Add(
                b % Math.Max(1, buckets / 8) == 0 || b == buckets - 1 ? hi.ToString(CultureInfo.InvariantCulture) : ""
            );
        }
        var series = new List<ChartSeries>
        {
            new("training loss", ys),
            new(
                "uniform ln(V)",
                Enumerable.Repeat(r.UniformLoss, buckets).ToList(),
                Color: LineChart.Palette[4],
                Dashed: true
            ),
        };
        return LineChart.Svg(labels, series, "Training loss (mean per bucket of steps)", "nats / token", width: 760);
    }

    /// <summary>Writes the page.</summary>
    public static void Save(string path, TrainResult r)
    {
        var (first, last) = r.LossEnds;
        var report = new HtmlReport("Training loss");
        report.Add(
            "loss",
            "Loss curve",
            Svg(r)
                + HtmlReport.Paragraph(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{r.Losses.Count} steps, {r.Parameters} parameters, {r.Seconds:F1} s; data: {r.Data}. Mean loss of the first 50 steps {first:F3}, "
                    )
                        + string.Create(
                            CultureInfo.InvariantCulture,
                            $"last 50 steps {last:F3}; uniform prediction {r.UniformLoss:F3} nats."
                        )
                )
        );
        report.Save(path);
    }
}
