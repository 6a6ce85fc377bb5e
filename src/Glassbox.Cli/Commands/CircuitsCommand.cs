using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Circuits.Weights;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox circuits</c>: weights as circuits: OV copying scores, Q/K/V composition, direct-path bigrams, skip-trigrams.</summary>
public sealed class CircuitsCommand : Command<CircuitsCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--head <HEAD>")]
        [Description(
            "Also show this head's (L1H3, L1-H3 or 1.3) full OV circuit (top output tokens) for the source tokens."
        )]
        public string? Head { get; init; }

        [CommandOption("--sources <TOKENS>")]
        [Description(
            "Comma-separated source tokens for bigrams / OV rows (default: the tokens of --text, else ids 3..12)."
        )]
        public string? Sources { get; init; }

        [CommandOption("--top <N>")]
        [Description("Rows shown per table. Default 10.")]
        public int Top { get; init; } = 10;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(s);
        var c = model.Config;
        Unembedding.RequireLm(model, "circuits");
        var head = s.Head is null ? null : HeadRef.Parse(s.Head, c, "--head");
        var sources =
            s.Sources is not null
                ? s
                    .Sources.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(t => Unembedding.TokenId(model, t, "--sources"))
                    .ToList()
            : s.Text is not null || s.TokenIds is not null ? CliModel.Ids(model, s.Text, s.TokenIds).Distinct().ToList()
            : Enumerable.Range(3, Math.Min(10, c.DVocab - 3)).ToList();
        var copying = CliProgress.Run("circuits: OV eigenvalues", s.Json, "heads", p =>
            WeightCircuits.CopyingScores(model)
        );
        var composition = WeightCircuits.CompositionScores(model);
        double baseline = WeightCircuits.RandomCompositionBaseline(c, 50, s.Seed);
        var bigrams = WeightCircuits.Bigrams(model, sources, 5);
        IReadOnlyList<Bigram>? ov = null;
        if (head is not null)
        {
            using var f = WeightCircuits.FullOV(model, head);
            using var scope = NewDisposeScope();
            var rows = f.RowsOf(tensor(sources.Select(x => (long)x).ToArray()));
            var (v, i) = rows.topk(Math.Min(5, c.DVocab), -1);
            ov = sources
                .Select(
                    (src, r) =>
                        new Bigram(
                            src,
                            Unembedding.Text(model, src),
                            Enumerable
                                .Range(0, (int)v.shape[1])
                                .Select(j => new TokenLogit(
                                    Unembedding.Text(model, (int)i[r, j].item<long>()),
                                    v[r, j].item<float>()
                                ))
                                .ToList()
                        )
                )
                .ToList();
        }
        IReadOnlyList<SkipTrigram>? trigrams =
            c.NLayers == 1 && !c.HasMlp ? SkipTrigrams.Find(model, new SkipTrigramOptions { Seed = s.Seed }) : null;
        var result = new
        {
            copying,
            composition,
            compositionRandomBaseline = baseline,
            bigrams,
            headOv = ov,
            skipTrigrams = trigrams,
        };
        var manifest = RunManifest.For(
            "circuits",
            model,
            s.Seed,
            new Dictionary<string, string> { ["head"] = s.Head ?? "none" }
        );
        if (s.Out is not null)
        {
            var report = new HtmlReport($"Weight circuits: {model.Name}");
            var m = new float[c.NLayers, c.NHeads];
            foreach (var x in copying)
                m[x.Layer, x.Head] = (float)x.Score;
            report.Add(
                "copying",
                "OV copying scores",
                HtmlReport.Paragraph(
                    "Re(Σλ)/Σ|λ| of each head's full OV circuit W_E W_V W_O W_U (1 = copying, −1 = anti-copying; norm weights folded, norm scales ignored)."
                )
                    + HtmlReport.Heatmap(
                        m,
                        Enumerable
                            .Range(0, c.NLayers)
                            .Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}"))
                            .ToList(),
                        Enumerable
                            .Range(0, c.NHeads)
                            .Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}"))
                            .ToList(),
                        "copying score (red = copying, blue = anti-copying)",
                        -1f,
                        1f
                    )
            );
            report.Add(
                "composition",
                "Composition scores",
                HtmlReport.Paragraph(
                    string.Create(CultureInfo.InvariantCulture, $"Random-matrix baseline: {baseline:F3}.")
                )
                    + HtmlReport.Table(
                        new[] { "from", "to", "Q", "K", "V" },
                        composition
                            .OrderByDescending(x => Math.Max(x.Q, Math.Max(x.K, x.V)))
                            .Take(s.Top * 3)
                            .Select(x =>
                                (IReadOnlyList<string>)
                                    new[]
                                    {
                                        x.From,
                                        x.To,
                                        x.Q.ToString("F3", CultureInfo.InvariantCulture),
                                        x.K.ToString("F3", CultureInfo.InvariantCulture),
                                        x.V.ToString("F3", CultureInfo.InvariantCulture),
                                    }
                            )
                    )
            );
            report.Add(
                "bigrams",
                "Direct-path bigrams",
                HtmlReport.Table(
                    new[] { "source", "top next tokens (W_E W_U)" },
                    bigrams.Select(b =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                b.SourceText,
                                string.Join(
                                    "  ",
                                    b.Next.Select(n =>
                                        string.Create(CultureInfo.InvariantCulture, $"{n.Token} {n.Logit:F2}")
                                    )
                                ),
                            }
                    )
                )
            );
            if (trigrams is not null)
                report.Add(
                    "skip-trigrams",
                    "Skip-trigrams",
                    HtmlReport.Table(
                        new[] { "head", "source … destination → output", "QK", "OV", "logit rise", "rose in" },
                        trigrams.Select(t =>
                            (IReadOnlyList<string>)
                                new[]
                                {
                                    string.Create(CultureInfo.InvariantCulture, $"H{t.Head}"),
                                    $"{TokenDisplay.Label(t.Source)} … {TokenDisplay.Label(t.Destination)} → {TokenDisplay.Label(t.Output)}",
                                    t.QkScore.ToString("F2", CultureInfo.InvariantCulture),
                                    t.OvScore.ToString("F2", CultureInfo.InvariantCulture),
                                    t.LogitRise.ToString("F3", CultureInfo.InvariantCulture),
                                    t.RiseFraction.ToString("P0", CultureInfo.InvariantCulture),
                                }
                        )
                    )
                );
            CircuitCli.Save(report, s.Out, s.Json);
        }
        if (s.Json)
        {
            CliJson.Write("circuits", model.Name, result, manifest);
            return 0;
        }
        var ct = Show.Titled("OV copying scores (top)").Columns("head", "copying", "top singular value");
        foreach (var x in copying.OrderByDescending(x => x.Score).Take(s.Top))
            ct.Row(
                HeadName.Format(x.Layer, x.Head),
                x.Score.ToString("F3", CultureInfo.InvariantCulture),
                x.TopSingularValue.ToString("F2", CultureInfo.InvariantCulture)
            );
        Show.Write(ct);
        if (composition.Count > 0)
        {
            var kt = Show.Titled(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Composition (top by max of Q/K/V; random baseline {baseline:F3})"
                    )
                )
                .Columns("from", "to", "Q", "K", "V");
            foreach (var x in composition.OrderByDescending(x => Math.Max(x.Q, Math.Max(x.K, x.V))).Take(s.Top))
                kt.Row(
                    x.From,
                    x.To,
                    x.Q.ToString("F3", CultureInfo.InvariantCulture),
                    x.K.ToString("F3", CultureInfo.InvariantCulture),
                    x.V.ToString("F3", CultureInfo.InvariantCulture)
                );
            Show.Write(kt);
        }
        var bt = Show.Titled("Direct-path bigrams (W_E W_U)").Columns("source", "top next tokens");
        foreach (var b in bigrams.Take(s.Top))
            bt.Row(
                TokenDisplay.Label(b.SourceText),
                string.Join(
                    "  ",
                    b.Next.Select(n =>
                        string.Create(CultureInfo.InvariantCulture, $"{TokenDisplay.Label(n.Token)} {n.Logit:F2}")
                    )
                )
            );
        Show.Write(bt);
        if (ov is not null)
        {
            var ot = Show.Titled($"Full OV circuit of {head}").Columns("source", "top output tokens");
            foreach (var b in ov.Take(s.Top))
                ot.Row(
                    TokenDisplay.Label(b.SourceText),
                    string.Join(
                        "  ",
                        b.Next.Select(n =>
                            string.Create(CultureInfo.InvariantCulture, $"{TokenDisplay.Label(n.Token)} {n.Logit:F2}")
                        )
                    )
                );
            Show.Write(ot);
        }
        if (trigrams is not null)
        {
            var tt = Show.Titled("Skip-trigrams (checked on the model)")
                .Columns("head", "source … dest → output", "logit rise", "rose in");
            foreach (var t in trigrams.Take(s.Top))
                tt.Row(
                    string.Create(CultureInfo.InvariantCulture, $"H{t.Head}"),
                    $"{TokenDisplay.Label(t.Source)} … {TokenDisplay.Label(t.Destination)} → {TokenDisplay.Label(t.Output)}",
                    t.LogitRise.ToString("F3", CultureInfo.InvariantCulture),
                    t.RiseFraction.ToString("P0", CultureInfo.InvariantCulture)
                );
            Show.Write(tt);
        }
        return 0;
    }
}
