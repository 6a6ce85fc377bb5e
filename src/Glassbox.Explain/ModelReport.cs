using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Explain;

/// <summary>The foundation sections of the <c>explain</c> report: model card, parameter counts, hook list with
/// shapes, and the attention patterns of a sample sentence as heatmaps. Later analyses append their sections.</summary>
public static class ModelReport
{
    /// <summary>The sentence used when none is given.</summary>
    public const string DefaultSample = "The keys to the old cabinet are on the table, and she said they were hers.";

    /// <summary>Summary numbers of the report, for <c>--json</c>.</summary>
    public sealed record Summary(
        string Model,
        long Parameters,
        int Layers,
        int Heads,
        int HookPoints,
        IReadOnlyList<string> Tokens,
        IReadOnlyList<HeadSummary> Heads2
    );

    /// <summary>Per-head attention statistics on the sample: entropy (nats) and mean attention to the first
    /// token, to the previous token and to itself.</summary>
    public sealed record HeadSummary(int Layer, int Head, float Entropy, float ToFirst, float ToPrevious, float ToSelf);

    /// <summary>Builds the report for <paramref name="model"/> on <paramref name="sample"/>.</summary>
    /// <exception cref="InputException">The model has no tokenizer.</exception>
    public static (HtmlReport Report, Summary Summary) Build(HookedTransformer model, string sample = DefaultSample)
    {
        var c = model.Config;
        string arg = model.CliArgument();
        var report = new HtmlReport($"Glassbox report: {model.Name}");
        report.Add(
            "model",
            "Model card",
            HtmlReport.Table(
                new[] { "field", "value" },
                new[]
                {
                    Row("name", model.Name),
                    Row("family", c.Architecture),
                    Row("source", model.Source is null ? "-" : $"{model.Source.Kind}: {model.Source.Location}"),
                    Row("weights sha256", model.Source?.Sha256 ?? "-"),
                    Row("layers", c.NLayers.ToString(CultureInfo.InvariantCulture)),
                    Row("d_model", c.DModel.ToString(CultureInfo.InvariantCulture)),
                    Row("heads (kv heads)", string.Create(CultureInfo.InvariantCulture, $"{c.NHeads} ({c.KvHeads})")),
                    Row("d_head", c.HeadDim.ToString(CultureInfo.InvariantCulture)),
                    Row("d_mlp", c.DMlp.ToString(CultureInfo.InvariantCulture)),
                    Row("vocabulary", c.DVocab.ToString(CultureInfo.InvariantCulture)),
                    Row("context", c.NCtx.ToString(CultureInfo.InvariantCulture)),
                    Row(
                        "norm",
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{c.Norm}{(c.PostNorm ? " (post-norm)" : "")}, eps {c.NormEps:G3}"
                        )
                    ),
                    Row("positions", c.Positions.ToString()),
                    Row("activation", c.Activation + (c.GatedMlp ? " (gated)" : "")),
                    Row("attention", c.Causal ? "causal" : "bidirectional"),
                    Row("output", c.HasUnembed ? "logits over the vocabulary" : "last hidden state (encoder)"),
                }
            ) + Reproduce($"info -m {arg}")
        );
        var groups = model
            .Weights.GroupBy(kv =>
                kv.Key.StartsWith("blocks.", StringComparison.Ordinal)
                    ? "blocks." + kv.Key.Split('.')[2]
                    : kv.Key.Split('.')[0]
            )
            .Select(g => Row(g.Key, g.Sum(kv => kv.Value.numel()).ToString("N0", CultureInfo.InvariantCulture)))
            .Append(Row("total", model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)));
        report.Add(
            "parameters",
            "Parameter counts",
            HtmlReport.Table(new[] { "component", "parameters" }, groups) + Reproduce($"info -m {arg}")
        );

        using var scope = NewDisposeScope();
        using var batch = model.Tokenize(new[] { sample });
        var tokens = Enumerable
            .Range(0, batch.Length)
            .Select(i => model.Tokenizer!.TokenToString((int)batch.Ids[0, i].item<long>()))
            .ToList();
        var labels = TokenDisplay.Labels(tokens); // raw tokens go to JSON, visible labels to the pictures
        using var run = model.RunWithCache(batch, n =>
            HookPoints.AttnPattern.Matches(n) || HookName.LayerOf(n) is null or 0
        );
        var hookRows = model.HookNames.Select(h =>
            Row(h, HookShapes.Text(h), "[" + string.Join(", ", HookShapes.Concrete(h, c, 1, batch.Length)) + "]")
        );
        report.Add(
            "hooks",
            "Hook points",
            HtmlReport.Paragraph(
                $"{model.HookNames.Count} hook points; shapes for the sample sentence of {batch.Length} tokens. "
                    + $"{HookPoints.AttnResult.Leaf} is opt-in (computed when a hook or the cache asks for it)."
            )
                + HtmlReport.Details(
                    $"Show all {model.HookNames.Count} hook points with their shapes",
                    HtmlReport.Table(new[] { "hook", "shape", "sample shape" }, hookRows)
                )
                + Reproduce($"info -m {arg}")
        );

        var heads = new List<HeadSummary>();
        var figs = new System.Text.StringBuilder("<div class='grid'>");
        for (int l = 0; l < c.NLayers; l++)
        {
            var pat = run.Cache[HookPoints.AttnPattern.Name(l)][0].to(ScalarType.Float32).cpu(); // [head, q, k]
            for (int h = 0; h < c.NHeads; h++)
            {
                var m = pat[h];
                var values = new float[batch.Length, batch.Length];
                var data = m.data<float>().ToArray();
                for (int i = 0; i < batch.Length; i++)
                for (int j = 0; j < batch.Length; j++)
                    values[i, j] = data[i * batch.Length + j];
                float ent = (-(m * m.AddScalar(1e-12).log()).sum(1)).mean().item<float>();
                float first = m[.., 0].mean().item<float>();
                float prev = batch.Length > 1 ? m.diagonal(-1).mean().item<float>() : 0f;
                float self = m.diagonal().mean().item<float>();
                heads.Add(new HeadSummary(l, h, ent, first, prev, self));
                figs.Append(
                    HtmlReport.Heatmap(
                        values,
                        labels,
                        labels,
                        string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}"),
                        0f,
                        1f,
                        cell: 9,
                        sqrtScale: true
                    )
                );
            }
        }
        figs.Append("</div>");
        string StatMap(Func<HeadSummary, float> f, string caption, float max)
        {
            var v = new float[c.NLayers, c.NHeads];
            foreach (var s in heads)
                v[s.Layer, s.Head] = f(s);
            return HtmlReport.Heatmap(
                v,
                Enumerable
                    .Range(0, c.NLayers)
                    .Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}"))
                    .ToList(),
                Enumerable
                    .Range(0, c.NHeads)
                    .Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}"))
                    .ToList(),
                caption,
                0f,
                max,
                cell: 18
            );
        }
        float maxEntropy = (float)Math.Log(Math.Max(2, batch.Length));
        var statMaps =
            "<div class='grid'>"
            + StatMap(s => s.ToFirst, $"attention to the first token ({labels[0]})", 1f)
            + StatMap(s => s.ToPrevious, "attention to the previous token", 1f)
            + StatMap(s => s.ToSelf, "attention to self", 1f)
            + StatMap(
                s => s.Entropy,
                string.Create(CultureInfo.InvariantCulture, $"entropy (nats, max {maxEntropy:F1})"),
                maxEntropy
            )
            + "</div>";
        var statRows = heads.Select(s =>
            Row(
                string.Create(CultureInfo.InvariantCulture, $"L{s.Layer}H{s.Head}"),
                s.Entropy.ToString("F2", CultureInfo.InvariantCulture),
                s.ToFirst.ToString("F2", CultureInfo.InvariantCulture),
                s.ToPrevious.ToString("F2", CultureInfo.InvariantCulture),
                s.ToSelf.ToString("F2", CultureInfo.InvariantCulture)
            )
        );
        report.Add(
            "attention",
            "Attention patterns",
            HtmlReport.Paragraph(
                $"Sample: \"{sample}\". Head statistics (layer × head), averaged over query positions:"
            )
                + statMaps
                + HtmlReport.Paragraph(
                    "Every head's pattern: rows are query tokens, columns key tokens; darker = more attention (square-root colour scale). Hover a cell for its value."
                )
                + figs
                + HtmlReport.Table(
                    new[] { "head", "entropy (nats)", "to first token", "to previous token", "to self" },
                    statRows
                )
                + HtmlReport.Meaning(
                    "Where each head looks on one sentence: a description, not evidence of function (no baseline, no interval). "
                        + "The attention-head and head-detector sections test such patterns over many sequences against baselines."
                )
                + Reproduce($"explain -m {arg} --no-probes --no-circuits --text {ShellQuote(sample)} --out report.html")
        );
        return (
            report,
            new Summary(model.Name, model.ParameterCount, c.NLayers, c.NHeads, model.HookNames.Count, tokens, heads)
        );
    }

    private static IReadOnlyList<string> Row(params string[] cells) => cells;

    /// <summary>The "Reproduce:" line of <c>glassbox</c> plus <paramref name="args"/>.</summary>
    internal static string Reproduce(string args) => HtmlReport.Reproduce("glassbox " + args);

    /// <summary><paramref name="text"/> as one POSIX shell word (single quotes).</summary>
    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
