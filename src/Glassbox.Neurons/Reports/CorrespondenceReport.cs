using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Neurons;

/// <summary>HTML section of a correspondence run: CKA and control heatmaps, the pair table with intervals, and the
/// reference's best-matched units.</summary>
public static class CorrespondenceReport
{
    /// <summary>Adds the section to <paramref name="report"/>.</summary>
    public static void Add(HtmlReport report, CorrespondenceResult result, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(result);
        bool oneModel = result.Representations.Select(r => r.Model).Distinct(StringComparer.Ordinal).Count() == 1;
        var labels = result.Representations.Select(r => r.Label).ToArray();
        var shortLabels = result.Representations.Select(r => r.ShortLabel(!oneModel)).ToArray();
        string cka = HtmlReport.Heatmap(
            ToGrid(result.Cka),
            shortLabels,
            shortLabels,
            "Debiased linear CKA of every pair of representations (1 = the same up to rotation and scale, 0 = unrelated)",
            0f,
            1f,
            cell: 28
        );
        string control = HtmlReport.Heatmap(
            ToGrid(result.ControlCka),
            shortLabels,
            shortLabels,
            "Control: debiased CKA with the rows of one side shuffled (what rows that do not correspond give)",
            0f,
            1f,
            cell: 28
        );
        var pairs = HtmlReport.Table(
            ["A", "B", "CKA [95% interval]", "original CKA", "control CKA", "SVCCA", "control SVCCA"],
            result.Pairs.Select(p =>
                (IReadOnlyList<string>)[labels[p.A], labels[p.B], p.Cka.ToString(), F(p.ControlCka), F(p.Svcca)]
            )
        );
        var units = HtmlReport.Table(
            ["rank", "unit", "maxcorr", "mincorr", "linreg R²"],
            result.TopUnits.Select(u =>
                (IReadOnlyList<string>)
                    [
                        u.Rank.ToString(CultureInfo.InvariantCulture),
                        u.Unit.ToString(CultureInfo.InvariantCulture),
                        F(u.MaxCorr),
                        F(u.MinCorr),
                        F(u.LinReg),
                    ]
            )
        );
        string against = string.Join(", ", result.RankedAgainst.Select(i => labels[i]));
        string meaning = string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Rows} words of {result.Sentences} sentences, aligned across models by word. CKA is the debiased estimator (unbiased HSIC), whose intervals resample whole sentences; the original estimator, biased upwards when words are few for the width, is listed for comparison with published values; the controls (rows of one side shuffled) show what no correspondence gives: about 0 for CKA, but often high for SVCCA when it keeps many directions over few words. Units of {labels[0]} are ranked by their best correlate in {against} (Bau et al. 2018); with rows shuffled the best unit reaches maxcorr {result.ControlMaxCorr:F3}, so matches below that are chance."
        );
        report.Add(
            "correspondence",
            "Correspondence of representations (CKA, SVCCA, unit matches)",
            HtmlReport.Meaning(meaning)
                + cka
                + control
                + pairs
                + $"<h4>Units of {HtmlReport.Esc(labels[0])} by their best match</h4>"
                + units
                + HtmlReport.Reproduce(reproduce)
        );
    }

    private static float[,] ToGrid(double[][] m)
    {
        var g = new float[m.Length, m.Length];
        for (int i = 0; i < m.Length; i++)
        for (int j = 0; j < m.Length; j++)
            g[i, j] = (float)m[i][j];
        return g;
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
