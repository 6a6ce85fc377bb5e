using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Ablation;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox ablate</c>: zero / mean / resample ablation of heads, neurons and layers, and the layer-removal curve.</summary>
public sealed class AblateCommand : Command<AblateCommand.Settings>
{
    public sealed class Settings : CircuitSettings
    {
        [CommandOption("--ablate <TARGETS>")]
        [Description(
            "Comma-separated components: head:L1H3 (or head:1.3), neuron:L.N, attn:L, mlp:L, or all-heads / all-layers. Default all-heads."
        )]
        public string Ablate { get; init; } = "all-heads";

        [CommandOption("--method <METHOD>")]
        [Description("zero | mean | resample. Default zero.")]
        public string Method { get; init; } = "zero";

        [CommandOption("--mean-mode <MODE>")]
        [Description("per-position | across-positions (mean ablation). Default per-position.")]
        public string MeanMode { get; init; } = "per-position";

        [CommandOption("--reference <FILE>")]
        [Description("Reference corpus for mean/resample ablation. Default: ../shared/data TinyStories sample.")]
        public string? Reference { get; init; }

        [CommandOption("--reference-texts <N>")]
        [Description("Reference texts used. Default 32.")]
        public int ReferenceTexts { get; init; } = 32;

        [CommandOption("--remove-layers")]
        [Description("Also compute the layer-removal curve (skip each block).")]
        public bool RemoveLayers { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var method = s.Method.ToLowerInvariant() switch
        {
            "zero" => AblationMethod.Zero,
            "mean" => AblationMethod.Mean,
            "resample" => AblationMethod.Resample,
            _ => throw new InputException($"--method: unknown method '{s.Method}'; use zero, mean or resample"),
        };
        var mode = s.MeanMode.ToLowerInvariant() switch
        {
            "per-position" => Glassbox.Circuits.Ablation.MeanMode.PerPosition,
            "across-positions" => Glassbox.Circuits.Ablation.MeanMode.AcrossPositions,
            _ => throw new InputException(
                $"--mean-mode: unknown mode '{s.MeanMode}'; use per-position or across-positions"
            ),
        };
        using var model = CliModel.Load(s);
        var c = model.Config;
        var ids = CliModel.Ids(model, s.Text, s.TokenIds);
        var targets = Targets(s.Ablate, c);
        using var batch = TokenBatch.Single(ids, model.Device);
        TokenBatch? reference = null;
        var data = new Dictionary<string, string>();
        if (method != AblationMethod.Zero)
        {
            if (model.Tokenizer is null)
                throw new InputException(
                    $"{model.Name} has no tokenizer; mean/resample ablation needs a reference corpus"
                );
            var (texts, path) = CircuitCli.Corpus(s.Reference, "--reference");
            data["reference"] = path;
            bool full = method == AblationMethod.Resample || mode == Glassbox.Circuits.Ablation.MeanMode.PerPosition;
            var seqs = texts
                .Select(t => model.Tokenizer.Encode(t).Ids)
                .Where(x => !full || x.Count >= ids.Count)
                .Take(Math.Max(1, s.ReferenceTexts))
                .Select(x => (IReadOnlyList<int>)x.Take(ids.Count).ToList())
                .ToList();
            if (seqs.Count == 0)
                throw new InputException($"--reference: no reference text has at least {ids.Count} tokens");
            reference = TokenBatch.FromIds(seqs, device: model.Device);
        }
        try
        {
            var options = new AblationOptions
            {
                Method = method,
                MeanMode = mode,
                Seed = s.Seed,
            };
            var result = CliProgress.Run("ablate", s.Json, "components", p =>
                Ablator.Run(model, batch, targets, options, reference, p.Counter)
            );
            var curve = s.RemoveLayers ? LayerRemoval.Run(model, batch) : null;
            var manifest = RunManifest.For(
                "ablate",
                model,
                s.Seed,
                new Dictionary<string, string>
                {
                    ["method"] = s.Method,
                    ["meanMode"] = s.MeanMode,
                    ["ablate"] = s.Ablate,
                }
            ) with
            {
                Data = data,
            };
            if (s.Out is not null)
            {
                var report = new HtmlReport($"Ablations: {model.Name}");
                report.Add(
                    "ablation",
                    "Ablations",
                    HtmlReport.Paragraph(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"Baseline next-token loss {result.BaselineLoss:F4} over {result.Tokens} predictions; method {s.Method}."
                        )
                    )
                        + HtmlReport.Table(
                            new[] { "component", "loss", "Δ loss" },
                            result
                                .Rows.OrderByDescending(r => r.Delta)
                                .Select(r =>
                                    (IReadOnlyList<string>)
                                        new[]
                                        {
                                            r.Target,
                                            r.Loss.ToString("F4", CultureInfo.InvariantCulture),
                                            r.Delta.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture),
                                        }
                                )
                        )
                );
                if (curve is not null)
                    report.Add(
                        "layer-removal",
                        "Layer removal",
                        LineChart.Svg(
                            Enumerable
                                .Range(0, c.NLayers)
                                .Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}"))
                                .ToList(),
                            new[]
                            {
                                new ChartSeries("skip layer", curve.SkippedLoss),
                                new ChartSeries("baseline", Enumerable.Repeat(curve.BaselineLoss, c.NLayers).ToList()),
                            },
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"loss when one block is skipped (all skipped: {curve.AllSkippedLoss:F3})"
                            ),
                            "loss"
                        )
                    );
                CircuitCli.Save(report, s.Out, s.Json);
            }
            if (s.Json)
            {
                CliJson.Write("ablate", model.Name, new { ablation = result, layerRemoval = curve }, manifest);
                return 0;
            }
            var t = Show.Titled(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{s.Method} ablation (baseline loss {result.BaselineLoss:F4}, {result.Tokens} predictions)"
                    )
                )
                .Columns("component", "loss", "Δ loss");
            foreach (var r in result.Rows.OrderByDescending(r => r.Delta))
                t.Row(
                    r.Target,
                    r.Loss.ToString("F4", CultureInfo.InvariantCulture),
                    r.Delta.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)
                );
            Show.Write(t);
            if (curve is not null)
            {
                var lt = Show.Titled("Layer removal (resid_post(l) := resid_pre(l))").Columns("skipped", "loss");
                for (int l = 0; l < curve.SkippedLoss.Count; l++)
                    lt.Row(
                        string.Create(CultureInfo.InvariantCulture, $"L{l}"),
                        curve.SkippedLoss[l].ToString("F4", CultureInfo.InvariantCulture)
                    );
                lt.Row("all", curve.AllSkippedLoss.ToString("F4", CultureInfo.InvariantCulture));
                Show.Write(lt);
            }
            return 0;
        }
        finally
        {
            reference?.Dispose();
        }
    }

    private static List<AblationTarget> Targets(string text, ModelConfig c)
    {
        var list = new List<AblationTarget>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part == "all-heads")
                list.AddRange(
                    Enumerable
                        .Range(0, c.NLayers)
                        .SelectMany(l =>
                            Enumerable.Range(0, c.NHeads).Select(h => new AblationTarget(ComponentKind.Head, l, h))
                        )
                );
            else if (part == "all-layers")
                list.AddRange(
                    Enumerable
                        .Range(0, c.NLayers)
                        .SelectMany(l =>
                            c.HasMlp
                                ? new[]
                                {
                                    new AblationTarget(ComponentKind.Attn, l, -1),
                                    new AblationTarget(ComponentKind.Mlp, l, -1),
                                }
                                : new[] { new AblationTarget(ComponentKind.Attn, l, -1) }
                        )
                );
            else
                list.Add(AblationTarget.Parse(part, c, "--ablate"));
        }
        if (list.Count == 0)
            throw new InputException("--ablate: give at least one component");
        return list;
    }
}
