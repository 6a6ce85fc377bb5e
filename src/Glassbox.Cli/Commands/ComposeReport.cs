using System.Globalization;
using Glassbox.Concepts.Compositional;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Cli.Commands;

/// <summary>Tables and the HTML report of <c>concepts compose</c>.</summary>
internal static class ComposeReport
{
    private static string F(double x) => double.IsFinite(x) ? x.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string I(Interval? i) => i is null || double.IsNaN(i.Value) ? "-" : i.ToString();

    private static IReadOnlyList<string> UnitRow(UnitExplanation u) =>
        new[]
        {
            u.Layer.ToString(CultureInfo.InvariantCulture),
            u.Unit.ToString(CultureInfo.InvariantCulture),
            u.Active.ToString(CultureInfo.InvariantCulture),
            F(u.Importance),
            u.BestSingleAtom?.Text ?? "(never fires)",
            F(u.BestSingleAtom?.Iou ?? double.NaN),
            u.Best?.Text ?? "-",
            F(u.Best?.Iou ?? double.NaN),
            F(u.HeldOutIou),
            F(u.Control?.Iou ?? double.NaN),
        };

    private static readonly string[] UnitHeader =
    {
        "layer",
        "unit",
        "fires on",
        "importance",
        "best single atom",
        "IoU",
        "best formula",
        "IoU",
        "held-out IoU",
        "control IoU",
    };

    private static IEnumerable<IReadOnlyList<string>> SummaryRows(CompositionalResult r)
    {
        for (int i = 0; i < r.IouByLength.Count; i++)
            yield return new[]
            {
                string.Create(CultureInfo.InvariantCulture, $"mean IoU, best formula of length {i + 1}"),
                I(r.IouByLength[i]),
            };
        yield return new[] { "mean IoU, best formula", I(r.BestIou) };
        yield return new[] { "mean IoU, shuffled-unit control (same search)", I(r.ControlIou) };
        if (r.RandomInitIou is not null)
            yield return new[] { "mean IoU, same units of a randomly initialised model", I(r.RandomInitIou) };
        if (r.HeldOutBestIou is not null)
        {
            string held = string.Create(
                CultureInfo.InvariantCulture,
                $"{r.HeldOutFraction:P0} of sentences, {r.HeldOutWords} words"
            );
            yield return new[] { $"mean held-out IoU, best formula ({held})", I(r.HeldOutBestIou) };
            yield return new[] { "mean held-out IoU, best single atom", I(r.HeldOutSingleAtomIou) };
        }
        yield return new[] { "Pearson r, importance vs best IoU", I(r.ImportanceVsIou) };
        yield return new[] { "Pearson r, importance vs IoU gain over single atom", I(r.ImportanceVsGain) };
    }

    private static string Setup(CompositionalResult r) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{r.Words} words of {r.Sentences} sentences, {r.Atoms} atoms ({string.Join(", ", r.AtomsPerCategory.Select(kv => kv.Key + " " + kv.Value.ToString(CultureInfo.InvariantCulture)))}); units fire on their top {r.Quantile:G3} of words ({r.Pooling} subword); beam {r.Beam}, formulas up to {r.MaxLength} atoms; {r.FormulasScored} formulas scored in {r.SearchSeconds:F1} s of search ({r.FormulasScored / Math.Max(r.SearchSeconds, 1e-9):G3} per second)."
        );

    public static void Print(CompositionalResult r)
    {
        Show.Line(Setup(r));
        var layers = Show.Titled("Layers", "layer", "hook", "units", "UPOS probe dev accuracy");
        foreach (var l in r.Layers)
            layers.Row(
                l.Layer.ToString(CultureInfo.InvariantCulture),
                l.Hook,
                l.Width.ToString(CultureInfo.InvariantCulture),
                F(l.ProbeAccuracy)
            );
        Show.Write(layers);
        var t = Show.Titled("Compositional explanations (IoU with where the unit fires)", UnitHeader);
        foreach (var u in r.Units)
            t.Row(UnitRow(u).ToArray());
        Show.Write(t);
        var sum = Show.Titled(
            "Length, IoU and importance (95% bootstrap intervals over units)",
            "quantity",
            "value [interval]"
        );
        foreach (var row in SummaryRows(r))
            sum.Row(row.ToArray());
        Show.Write(sum);
    }

    public static HtmlReport Html(CompositionalResult r, string model)
    {
        var report = new HtmlReport($"Compositional explanations: {model}");
        report.Add(
            "setup",
            "Setup",
            HtmlReport.Paragraph(Setup(r))
                + HtmlReport.Table(
                    new[] { "layer", "hook", "units", "UPOS probe dev accuracy" },
                    r.Layers.Select(l =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                l.Layer.ToString(CultureInfo.InvariantCulture),
                                l.Hook,
                                l.Width.ToString(CultureInfo.InvariantCulture),
                                F(l.ProbeAccuracy),
                            }
                    )
                )
        );
        report.Add("units", "Formulas per unit", HtmlReport.Table(UnitHeader, r.Units.Select(UnitRow)));
        report.Add(
            "summary",
            "Length, IoU and importance",
            HtmlReport.Table(new[] { "quantity", "value [95% interval]" }, SummaryRows(r))
                + HtmlReport.Meaning(
                    "The control runs the same search on each unit's firing mask shuffled over the words: a formula is informative when its IoU is well above the control's."
                )
        );
        return report;
    }
}
