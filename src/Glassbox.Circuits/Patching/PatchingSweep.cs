using System.Globalization;
using System.Text.Json.Serialization;
using Glassbox.Reports;

namespace Glassbox.Circuits.Patching;

/// <summary>Options of a patching sweep.</summary>
public sealed record PatchingOptions
{
    /// <summary>Denoise (clean into corrupted, default) or noise (corrupted into clean).</summary>
    public PatchMode Mode { get; init; } = PatchMode.Denoise;

    /// <summary>Layers to sweep; all when null.</summary>
    public IReadOnlyList<int>? Layers { get; init; }

    /// <summary>Positions: the sweep's columns for position kinds; for head kinds, the positions patched with each
    /// head (all when null).</summary>
    public IReadOnlyList<int>? Positions { get; init; }

    /// <summary>Heads to sweep (head kinds only); all when null.</summary>
    public IReadOnlyList<int>? Heads { get; init; }

    /// <summary>Patches per forward when batched.</summary>
    public int ChunkSize { get; init; } = 32;

    /// <summary>Batch many patches per forward (default); false runs one forward per patch.</summary>
    public bool Batched { get; init; } = true;

    /// <summary>On a causal model, run only what each patch can change (default): patches are grouped by layer and
    /// position, and each group starts at its layer from the unpatched run's residual stream and reuses its keys and
    /// values before the first patched position (<see cref="SharedPrefixPatcher"/>). False replicates the whole base
    /// run in every row (the results agree to float rounding).</summary>
    public bool SharePrefix { get; init; } = true;

    /// <summary>Progress callback (patches done, total).</summary>
    [JsonIgnore]
    public Action<int, int>? Progress { get; init; }
}

/// <summary>The result of a layer × position or layer × head sweep.</summary>
public sealed record PatchingSweep
{
    /// <summary>What was patched.</summary>
    public required PatchKind Kind { get; init; }

    /// <summary>Denoise or noise.</summary>
    public required PatchMode Mode { get; init; }

    /// <summary>Metric name.</summary>
    public required string Metric { get; init; }

    /// <summary>Metric on the clean run.</summary>
    public required float CleanScore { get; init; }

    /// <summary>Metric on the corrupted run.</summary>
    public required float CorruptedScore { get; init; }

    /// <summary>Swept layers (rows).</summary>
    public required IReadOnlyList<int> Layers { get; init; }

    /// <summary>Swept positions or heads (columns).</summary>
    public required IReadOnlyList<int> Columns { get; init; }

    /// <summary>Column labels: tokens ("3: Lily") or heads ("H2").</summary>
    public required IReadOnlyList<string> ColumnLabels { get; init; }

    /// <summary>Metric of the patched run [layer][column].</summary>
    public required float[][] Scores { get; init; }

    /// <summary>Normalised effect (score - corrupted) / (clean - corrupted) [layer][column]: 1 = clean behaviour,
    /// 0 = corrupted behaviour; NaN when clean and corrupted scores coincide.</summary>
    public required float[][] Effects { get; init; }

    /// <summary>Number of forward passes used (besides the clean/corrupted baselines and the source cache).</summary>
    public required int Forwards { get; init; }

    /// <summary>Effects as [layer, column].</summary>
    public float[,] EffectMatrix() => To2D(Effects);

    /// <summary>Effects as a tensor [layer, column] (the caller owns it).</summary>
    public TorchSharp.torch.Tensor EffectTensor() => TorchSharp.torch.tensor(EffectMatrix()); // [layer, column]

    /// <summary>Scores as [layer, column].</summary>
    public float[,] ScoreMatrix() => To2D(Scores);

    internal static float[,] To2D(float[][] rows)
    {
        int r = rows.Length,
            c = r == 0 ? 0 : rows[0].Length;
        var m = new float[r, c];
        for (int i = 0; i < r; i++)
        for (int j = 0; j < c; j++)
            m[i, j] = rows[i][j];
        return m;
    }

    /// <summary>Adds this sweep as a heatmap section (rows = layers, columns = token or head labels).</summary>
    public HtmlReport AddTo(HtmlReport report, string? title = null)
    {
        var m = EffectMatrix();
        float lo = 0,
            hi = 1;
        foreach (var v in m)
            if (float.IsFinite(v))
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        string kindText = Kind.IsPerHead() ? "layer × head" : "layer × position";
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Mode} patching of {Kind.Name()} ({kindText}); metric {Metric}: clean {CleanScore:G4}, corrupted {CorruptedScore:G4}. "
                )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"Cells show the normalised effect (metric − corrupted) / (clean − corrupted): 1 = patching restores the clean metric, 0 = no effect; range {lo:G3} to {hi:G3} (see the colour bar)."
                    )
            )
            + HtmlReport.Heatmap(
                m,
                Layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList(),
                ColumnLabels,
                $"{Kind.Name()}: normalised effect",
                lo,
                hi,
                cell: 22
            );
        return report.Add("patch-" + Kind.Name(), title ?? $"Activation patching: {Kind.Name()}", body);
    }
}
