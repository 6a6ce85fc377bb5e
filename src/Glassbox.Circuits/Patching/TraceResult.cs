using System.Globalization;
using Glassbox.Reports;
using Glassbox.Tokenization;

namespace Glassbox.Circuits.Patching;

/// <summary>Causal trace of one prompt.</summary>
public sealed record TraceResult
{
    /// <summary>Prompt text.</summary>
    public required string Text { get; init; }

    /// <summary>Token strings.</summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary>First corrupted (subject) token.</summary>
    public required int SubjectStart { get; init; }

    /// <summary>One past the last subject token.</summary>
    public required int SubjectEnd { get; init; }

    /// <summary>Answer token id.</summary>
    public required int Answer { get; init; }

    /// <summary>Answer token text.</summary>
    public required string AnswerText { get; init; }

    /// <summary>Restored states.</summary>
    public required TraceKind Kind { get; init; }

    /// <summary>p(answer) on the clean prompt.</summary>
    public required float PClean { get; init; }

    /// <summary>Mean p(answer) over the noise samples with nothing restored.</summary>
    public required float PCorrupted { get; init; }

    /// <summary>Mean p(answer) with the state at [layer][position] restored.</summary>
    public required float[][] PRestored { get; init; }

    /// <summary>Indirect effect PRestored − PCorrupted [layer][position] (derived; computed on each call).</summary>
    public float[][] IndirectEffect => PRestored.Select(row => row.Select(p => p - PCorrupted).ToArray()).ToArray();

    /// <summary>Adds a heatmap (rows = tokens, as in ROME's figures; columns = layers).</summary>
    public HtmlReport AddTo(HtmlReport report, string id)
    {
        var effect = IndirectEffect;
        int L = effect.Length,
            T = Tokens.Count;
        var m = new float[T, L];
        float hi = 1e-6f;
        for (int l = 0; l < L; l++)
        for (int p = 0; p < T; p++)
        {
            m[p, l] = effect[l][p];
            hi = Math.Max(hi, m[p, l]);
        }
        var rows = Tokens
            .Select((t, i) => i >= SubjectStart && i < SubjectEnd ? $"{TokenDisplay.Label(t)}*" : TokenDisplay.Label(t))
            .ToList();
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Answer '{TokenDisplay.Label(AnswerText)}': p clean {PClean:F3}, p corrupted {PCorrupted:F3}. "
                )
                    + "Subject tokens (corrupted) are starred. Cells: p(answer | corrupted + restored) − p(answer | corrupted), white = 0."
            )
            + HtmlReport.Heatmap(
                m,
                rows,
                Enumerable.Range(0, L).Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList(),
                $"{Kind} indirect effect",
                0,
                hi,
                cell: 20
            );
        return report.Add(id, $"Causal trace ({Kind}): {Text}", body);
    }
}

/// <summary>Indirect effects over a prompt set, averaged by token category.</summary>
public sealed record TraceSummary
{
    /// <summary>ROME's token categories (rows): tokens before the subject (e.g. BOS) are not counted.</summary>
    public static IReadOnlyList<string> CategoryNames { get; } =
        new[]
        {
            "first subject token",
            "middle subject tokens",
            "last subject token",
            "first subsequent token",
            "further tokens",
            "last token",
        };

    /// <summary>Restored states (from <see cref="Options"/>).</summary>
    public TraceKind Kind => Options.Kind;

    /// <summary>Options used.</summary>
    public required TraceOptions Options { get; init; }

    /// <summary>Prompts traced.</summary>
    public required int Prompts { get; init; }

    /// <summary>Mean p(answer) on clean prompts.</summary>
    public required float MeanPClean { get; init; }

    /// <summary>Mean p(answer) on corrupted prompts.</summary>
    public required float MeanPCorrupted { get; init; }

    /// <summary>Mean indirect effect [category][layer] over prompts that have the category.</summary>
    public required float[][] MeanEffect { get; init; }

    /// <summary>Standard error of the mean across prompts [category][layer] (NaN with fewer than 2 prompts).</summary>
    public required float[][] StdError { get; init; }

    /// <summary>Prompts contributing to each category.</summary>
    public required int[] CategoryCounts { get; init; }

    /// <summary>The best (category, layer) cell and its mean effect.</summary>
    public required TracePeak Peak { get; init; }

    /// <summary>The first few per-prompt traces.</summary>
    public required IReadOnlyList<TraceResult> Examples { get; init; }

    /// <summary>Adds the averaged heatmap and the kept examples.</summary>
    public HtmlReport AddTo(HtmlReport report)
    {
        int L = MeanEffect.Length == 0 ? 0 : MeanEffect[0].Length;
        var m = PatchingSweep.To2D(MeanEffect);
        float hi = 1e-6f;
        foreach (var v in m)
            if (float.IsFinite(v))
                hi = Math.Max(hi, v);
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Prompts} prompts, {Options.Samples} noise samples of {Options.NoiseMultiplier}× the embedding std"
                )
                    + (
                        Kind == TraceKind.Hidden
                            ? ""
                            : string.Create(CultureInfo.InvariantCulture, $", window {Options.Window}")
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $". Mean p(answer): clean {MeanPClean:F3}, corrupted {MeanPCorrupted:F3}. Peak: {Peak.Category} at layer {Peak.Layer} ({Peak.Effect:F3})."
                    )
            )
            + HtmlReport.Heatmap(
                m,
                CategoryNames
                    .Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"{n} ({CategoryCounts[i]})"))
                    .ToList(),
                Enumerable.Range(0, L).Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList(),
                $"mean {Kind} indirect effect",
                0,
                hi,
                cell: 24
            );
        report.Add($"trace-{Kind}".ToLowerInvariant(), $"Causal tracing ({Kind}): average", body);
        for (int i = 0; i < Examples.Count; i++)
            Examples[i]
                .AddTo(report, string.Create(CultureInfo.InvariantCulture, $"trace-{Kind}-{i}").ToLowerInvariant());
        return report;
    }
}

/// <summary>The strongest cell of a trace summary.</summary>
/// <param name="Category">Token category.</param>
/// <param name="Layer">Layer.</param>
/// <param name="Effect">Mean indirect effect.</param>
public sealed record TracePeak(string Category, int Layer, float Effect);

/// <summary>Streams per-prompt traces into category means (Welford-free: sums and sums of squares).</summary>
internal sealed class TraceAccumulator(int layers, int keep)
{
    private readonly double[,] _sum = new double[6, layers],
        _sq = new double[6, layers];
    private readonly int[] _n = new int[6];
    private readonly List<TraceResult> _kept = new();
    private double _pClean,
        _pCorrupt;
    private int _count;

    public void Add(TraceResult r)
    {
        _count++;
        _pClean += r.PClean;
        _pCorrupt += r.PCorrupted;
        if (_kept.Count < keep)
            _kept.Add(r);
        int T = r.Tokens.Count;
        for (int cat = 0; cat < 6; cat++)
        {
            var pos = Enumerable.Range(0, T).Where(p => InCategory(cat, p, r.SubjectStart, r.SubjectEnd, T)).ToList();
            if (pos.Count == 0)
                continue;
            _n[cat]++;
            for (int l = 0; l < layers; l++)
            {
                double v = pos.Average(p => r.PRestored[l][p] - r.PCorrupted);
                _sum[cat, l] += v;
                _sq[cat, l] += v * v;
            }
        }
    }

    /// <summary>Category membership (a one-token subject is both first and last subject token).</summary>
    internal static bool InCategory(int cat, int p, int s, int e, int T) =>
        cat switch
        {
            0 => p == s,
            1 => p > s && p < e - 1,
            2 => p == e - 1,
            3 => p == e && p != T - 1,
            4 => p > e && p < T - 1,
            _ => p == T - 1 && p >= e,
        };

    public TraceSummary Summary(TraceOptions o)
    {
        var mean = new float[6][];
        var se = new float[6][];
        var peak = new TracePeak("", 0, float.NegativeInfinity);
        for (int c = 0; c < 6; c++)
        {
            mean[c] = new float[layers];
            se[c] = new float[layers];
            for (int l = 0; l < layers; l++)
            {
                int n = _n[c];
                double m = n == 0 ? double.NaN : _sum[c, l] / n;
                double var = n < 2 ? double.NaN : Math.Max(0, (_sq[c, l] - n * m * m) / (n - 1));
                mean[c][l] = (float)m;
                se[c][l] = (float)Math.Sqrt(var / n);
                if (n > 0 && m > peak.Effect)
                    peak = new TracePeak(TraceSummary.CategoryNames[c], l, (float)m);
            }
        }
        return new TraceSummary
        {
            Options = o,
            Prompts = _count,
            MeanPClean = (float)(_pClean / Math.Max(1, _count)),
            MeanPCorrupted = (float)(_pCorrupt / Math.Max(1, _count)),
            MeanEffect = mean,
            StdError = se,
            CategoryCounts = _n.ToArray(),
            Peak = peak,
            Examples = _kept,
        };
    }
}
