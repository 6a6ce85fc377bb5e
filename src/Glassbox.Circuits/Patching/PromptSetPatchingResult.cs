using System.Globalization;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Circuits.Patching;

/// <summary>Activation patching over a prompt set (<see cref="PromptSetPatching"/>): per layer and column, the
/// normalised mean effect over prompts with its bootstrap interval.</summary>
public sealed record PromptSetPatchingResult
{
    /// <summary>Model name.</summary>
    public required string Model { get; init; }

    /// <summary>What was patched.</summary>
    public required PatchKind Kind { get; init; }

    /// <summary>Denoise (clean into corrupted) or noise (corrupted into clean).</summary>
    public required PatchMode Mode { get; init; }

    /// <summary>Prompt pairs.</summary>
    public required int Prompts { get; init; }

    /// <summary>How columns line up across prompts: "same length", "aligned at the last token" or "heads".</summary>
    public required string Alignment { get; init; }

    /// <summary>Mean logit difference (answer − wrong) on the clean prompts.</summary>
    public required double CleanMean { get; init; }

    /// <summary>Mean logit difference on the corrupted prompts (the baseline a cell is measured from).</summary>
    public required double CorruptedMean { get; init; }

    /// <summary>The control: mean clean − corrupted logit difference with its bootstrap interval over prompts; every
    /// effect is measured in units of it, so an interval that includes 0 makes the effects unstable.</summary>
    public required Interval Gap { get; init; }

    /// <summary>A warning about the set (a gap that is 0 or not clearly away from it), or null.</summary>
    public string? Note { get; init; }

    /// <summary>Swept layers (rows).</summary>
    public required IReadOnlyList<int> Layers { get; init; }

    /// <summary>Column labels: tokens of the first prompt, offsets from the last token (−1 = last), or heads.</summary>
    public required IReadOnlyList<string> ColumnLabels { get; init; }

    /// <summary>Normalised effect (mean patched − mean corrupted) / (mean clean − mean corrupted) [layer][column],
    /// with a 95% percentile bootstrap interval over prompts: 1 = the clean behaviour, 0 = the corrupted one.</summary>
    public required Interval[][] Effects { get; init; }

    /// <summary>Bootstrap resamples.</summary>
    public required int Resamples { get; init; }

    /// <summary>Bootstrap seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The cell with the largest effect: (layer, column label, effect).</summary>
    public (int Layer, string Column, Interval Effect) Strongest()
    {
        var best = (Layer: Layers[0], Column: ColumnLabels[0], Effect: Effects[0][0]);
        for (int l = 0; l < Layers.Count; l++)
        for (int c = 0; c < ColumnLabels.Count; c++)
            if (!(Effects[l][c].Value <= best.Effect.Value) && !double.IsNaN(Effects[l][c].Value))
                best = (Layers[l], ColumnLabels[c], Effects[l][c]);
        return best;
    }

    /// <summary>Adds the set's heatmap of effects (rows = layers) and a table of the strongest cells.</summary>
    public HtmlReport AddTo(HtmlReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var m = new float[Layers.Count, ColumnLabels.Count];
        float lo = 0,
            hi = 1;
        for (int l = 0; l < Layers.Count; l++)
        for (int c = 0; c < ColumnLabels.Count; c++)
        {
            m[l, c] = (float)Effects[l][c].Value;
            if (float.IsFinite(m[l, c]))
                (lo, hi) = (Math.Min(lo, m[l, c]), Math.Max(hi, m[l, c]));
        }
        string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        var top = Enumerable
            .Range(0, Layers.Count)
            .SelectMany(l => Enumerable.Range(0, ColumnLabels.Count).Select(c => (l, c)))
            .Where(x => double.IsFinite(Effects[x.l][x.c].Value))
            .OrderByDescending(x => Effects[x.l][x.c].Value)
            .Take(10)
            .Select(x =>
                (IReadOnlyList<string>)
                    [
                        "L" + Layers[x.l].ToString(CultureInfo.InvariantCulture),
                        ColumnLabels[x.c],
                        F(Effects[x.l][x.c].Value),
                        $"[{F(Effects[x.l][x.c].Lower)}, {F(Effects[x.l][x.c].Upper)}]",
                    ]
            )
            .ToList();
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Mode} patching of {Kind.Name()} over {Prompts} prompt pairs ({Alignment}); logit difference answer − wrong: clean mean {CleanMean:G4}, corrupted mean {CorruptedMean:G4}. Cells: (mean patched − mean corrupted) / (mean clean − mean corrupted), 1 = clean behaviour restored; intervals are 95% percentile bootstraps over prompts ({Resamples} resamples). Gap clean − corrupted {Gap.Value:G4} [{Gap.Lower:G4}, {Gap.Upper:G4}]."
                ) + (Note is null ? "" : " Warning: " + Note)
            )
            + HtmlReport.Heatmap(
                m,
                Layers.Select(l => "L" + l.ToString(CultureInfo.InvariantCulture)).ToList(),
                ColumnLabels,
                $"{Kind.Name()}: normalised effect over the set",
                lo,
                hi,
                cell: 22
            )
            + HtmlReport.Table(["layer", "column", "effect", "95% interval"], top);
        return report.Add(
            "patch-set-" + Kind.Name(),
            string.Create(CultureInfo.InvariantCulture, $"Patching over {Prompts} prompts: {Kind.Name()}"),
            body
        );
    }
}
