using System.Globalization;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Probing.Coreference;

/// <summary>Adds a coreference-by-similarity section (layer curves raw vs probe, chance, random model; per-cue table).</summary>
public static class CoreferenceReport
{
    /// <summary>Adds the section for <paramref name="r"/>.</summary>
    public static void AddSection(HtmlReport report, CoreferenceResult r, string modelName, string dataDescription)
    {
        var x = r
            .Layers.Select(l => l.Layer == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l.Layer}"))
            .ToList();
        ChartSeries Line(string name, Func<CoreferenceLayerResult, Interval?> f, int color, bool dashed = false) =>
            new(
                name,
                r.Layers.Select(l => f(l)?.Value ?? double.NaN).ToList(),
                r.Layers.Select(l => f(l)?.Lower ?? double.NaN).ToList(),
                r.Layers.Select(l => f(l)?.Upper ?? double.NaN).ToList(),
                LineChart.Palette[color],
                dashed
            );
        var series = new List<ChartSeries>
        {
            Line("probe-transformed similarity", l => l.Probe, 0),
            Line("raw cosine similarity", l => l.Raw, 1),
        };
        if (r.Layers.All(l => l.RandomModelProbe is not null))
            series.Add(Line("random-weights model (probe)", l => l.RandomModelProbe, 3, true));
        series.Add(new("chance", r.Layers.Select(_ => r.Chance).ToList(), Color: LineChart.Palette[4], Dashed: true));
        var chart = LineChart.Svg(x, series, $"Pronoun → antecedent by similarity on {modelName}", "accuracy", 0, 1);
        var cues = r.Layers[0].RawByCue.Keys.ToList();
        var header = new List<string> { "layer", "raw [95% CI]", "probe [95% CI]" };
        foreach (var c in cues)
        {
            header.Add($"raw: {c}");
            header.Add($"probe: {c}");
        }
        header.Add("random model raw / probe");
        var rows = r.Layers.Select(l =>
        {
            var row = new List<string> { x[l.Layer], l.Raw.ToString(), l.Probe.ToString() };
            foreach (var c in cues)
            {
                row.Add(l.RawByCue[c].Value.ToString("F3", CultureInfo.InvariantCulture));
                row.Add(l.ProbeByCue[c].Value.ToString("F3", CultureInfo.InvariantCulture));
            }
            row.Add(
                l.RandomModelRaw is null
                    ? "-"
                    : string.Create(
                        CultureInfo.InvariantCulture,
                        $"{l.RandomModelRaw.Value:F3} / {l.RandomModelProbe!.Value:F3}"
                    )
            );
            return (IReadOnlyList<string>)row;
        });
        var bp = r.BestProbe;
        var br = r.BestRaw;
        report.Add(
            "coreference",
            "Coreference by similarity",
            HtmlReport.Paragraph(
                $"{dataDescription}. For each sentence the model's pronoun vector is compared (cosine) with the two "
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"candidate antecedents; accuracy is how often the true antecedent is closer (chance {r.Chance:F1}; both candidate orders "
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"are balanced, so position alone also gives 0.5). 'Probe' applies a rank-{r.Rank} linear map trained on {r.TrainSentences:N0} "
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"sentences; all numbers are on {r.TestSentences:N0} test sentences with nouns and names never seen in training. "
                    )
                    + $"Best raw layer: {x[br.Layer]} {br.Raw}; best probe layer: {x[bp.Layer]} {bp.Probe} (95% bootstrap intervals over sentences)."
                    + (
                        bp.RandomModelProbe is { } rp && rp.Upper >= bp.Probe.Lower
                            ? " The random-weights model's probe interval overlaps the best layer's: the probe may be reading surface cues."
                            : ""
                    )
                    + (
                        br.Raw.Upper < r.Chance
                            ? " Raw similarity is below chance at every layer: the pronoun is closer to the distractor."
                            : ""
                    )
            )
                + chart
                + HtmlReport.Table(header, rows)
        );
    }
}
