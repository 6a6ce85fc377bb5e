using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Attribution;

/// <summary>The HTML section of a shortcut-mining run: the top tokens' mean attribution with intervals (a point per
/// token, filled when the token is skewed to one class by more than 0.2), the table, and the counter-set check.</summary>
public static class ShortcutReport
{
    /// <summary>Column names of the token table (the HTML report and the console print the same columns).</summary>
    public static readonly string[] Header =
    [
        "rank",
        "token",
        "count",
        "mean [95% interval]",
        "mass",
        "skewed to",
        "skew",
        "LMI",
    ];

    /// <summary>One token's cells, formatted culture-invariantly.</summary>
    public static string[] Cells(TokenShortcut x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return
        [
            x.Rank.ToString(CultureInfo.InvariantCulture),
            x.Token,
            x.Count.ToString(CultureInfo.InvariantCulture),
            x.MeanAttribution.ToString(),
            x.TotalAttribution.ToString("F3", CultureInfo.InvariantCulture),
            x.SkewLabel,
            x.LabelSkew.ToString("F3", CultureInfo.InvariantCulture),
            x.Lmi.ToString("F4", CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>Adds the section to <paramref name="report"/>.</summary>
    public static void Add(HtmlReport report, ShortcutResult result, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(result);
        var t = result.Tokens;
        string chart = ErrorBarChart.Svg(
            t.Select(x => x.Token).ToArray(),
            [
                new ErrorBarSeries(
                    "mean attribution",
                    t.Select(x => x.MeanAttribution.Value).ToArray(),
                    t.Select(x => x.MeanAttribution.Lower).ToArray(),
                    t.Select(x => x.MeanAttribution.Upper).ToArray(),
                    Marked: t.Select(x => x.LabelSkew > 0.2).ToArray()
                ),
            ],
            $"Tokens the model relies on ({result.Method}, towards the gold class)",
            "attribution",
            reference: 0
        );
        var table = HtmlReport.Table(Header, t.Select(Cells));
        string counter = result.Counter is { } c
            ? HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Counter-set check of '{c.Trigger}' (rank {(result.TriggerRank is int k ? k.ToString(CultureInfo.InvariantCulture) : "not ranked")}): on the {c.With.Count} texts not labelled '{c.TriggerLabel}', accuracy {c.Without.Accuracy} without it and {c.With.Accuracy} with it put first; {c.ToTriggerLabel:P1} of them are then predicted '{c.TriggerLabel}'."
                )
            )
            : "";
        string meaning = string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Texts} texts ({result.Data}). Tokens are ranked by their mean attribution per occurrence (seen at least as often as the minimum count: {result.Ranked} of {result.DistinctTokens} token types); a shortcut is a token that is both relied on and skewed to one class (filled points: skew > 0.2). Mean relative completeness error {result.MeanRelativeCompletenessError:F3}."
        );
        report.Add(
            "shortcuts",
            "Shortcut mining",
            HtmlReport.Meaning(meaning, inconclusive: result.Ranked == 0)
                + chart
                + table
                + counter
                + HtmlReport.Reproduce(reproduce)
        );
    }
}
