using System.Globalization;
using System.Text;
using Glassbox.Reports;

namespace Glassbox.Attribution;

/// <summary>The HTML section of an AMPLIFY run: the chosen shots with their key words marked in the text and their
/// rationale sentences, and, when an LLM answered, the accuracy with and without rationales.</summary>
public static class AmplifyReport
{
    /// <summary>Adds the section; <paramref name="result"/> is null for an offline run (prompts written, not answered).</summary>
    public static void Add(
        HtmlReport report,
        IReadOnlyList<AmplifyShot> shots,
        AmplifyResult? result,
        string note,
        string reproduce
    )
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(shots);
        var rows = shots.Select(s =>
            (IReadOnlyList<string>)
                [
                    s.Label,
                    s.Mcs.ToString("F3", CultureInfo.InvariantCulture),
                    string.Join(", ", s.KeyWords),
                    s.Text,
                    s.Rationale,
                ]
        );
        var body = new StringBuilder();
        body.Append(HtmlReport.Meaning(note, inconclusive: result is null));
        if (result is not null)
            body.Append(
                ErrorBarChart.Svg(
                    ["with rationales", "without rationales"],
                    [
                        new ErrorBarSeries(
                            "accuracy",
                            [result.WithRationales.Value, result.WithoutRationales.Value],
                            [result.WithRationales.Lower, result.WithoutRationales.Lower],
                            [result.WithRationales.Upper, result.WithoutRationales.Upper]
                        ),
                    ],
                    "LLM accuracy on the task inputs (bootstrap 95% interval)",
                    "accuracy",
                    yMin: 0,
                    yMax: 1
                )
            );
        body.Append(HtmlReport.Table(["label", "MCS", "key words (proxy's attributions)", "text", "rationale"], rows));
        body.Append(HtmlReport.Reproduce(reproduce));
        report.Add("amplify", "AMPLIFY: few-shot rationales from a proxy's attributions", body.ToString());
    }
}
