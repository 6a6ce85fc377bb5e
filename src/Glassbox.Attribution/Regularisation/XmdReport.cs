using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Attribution.Regularisation;

/// <summary>The HTML section and console table of an XMD round: each measure before and after the update.</summary>
public static class XmdReport
{
    /// <summary>Columns.</summary>
    public static readonly string[] Header = ["measure", "before [95% CI]", "after [95% CI]"];

    /// <summary>One change's cells.</summary>
    public static string[] Cells(XmdChange c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return [c.Measure, c.Before.ToString(), c.After.ToString()];
    }

    /// <summary>The summary line.</summary>
    public static string Summary(XmdResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{r.Feedback} feedback lines applied by a fine-tune of {r.Steps} steps ({r.Seconds:F0} s) on {r.UpdateTexts} texts, {r.TextsWithFeedback} of them with feedback on a word."
        );
    }

    /// <summary>Adds the section.</summary>
    public static void Add(HtmlReport report, XmdResult r, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(r);
        string chart = ErrorBarChart.Svg(
            r.Changes.Select(c => c.Measure).ToArray(),
            [
                new ErrorBarSeries(
                    "before",
                    r.Changes.Select(c => c.Before.Value).ToArray(),
                    r.Changes.Select(c => c.Before.Lower).ToArray(),
                    r.Changes.Select(c => c.Before.Upper).ToArray()
                ),
                new ErrorBarSeries(
                    "after",
                    r.Changes.Select(c => c.After.Value).ToArray(),
                    r.Changes.Select(c => c.After.Lower).ToArray(),
                    r.Changes.Select(c => c.After.Upper).ToArray(),
                    "#c0392b"
                ),
            ],
            "Before and after the XMD update (bootstrap 95% intervals)",
            "value",
            yMin: 0,
            yMax: 1
        );
        report.Add(
            "xmd",
            "XMD: explanation feedback applied",
            HtmlReport.Meaning(
                Summary(r)
                    + " Accuracies are on the evaluation texts; 'put first' puts a should-not-matter word first in every evaluation text (the counter-set); an attribution share is the word's part of the normalised attribution.",
                inconclusive: false
            )
                + chart
                + HtmlReport.Table(Header, r.Changes.Select(Cells))
                + HtmlReport.Reproduce(reproduce)
        );
    }
}
