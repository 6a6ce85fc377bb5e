using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Neurons.Sae;
using Glassbox.Reports;
using Glassbox.Statistics;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by <c>sae train</c> and <c>sae eval</c>. The default model is stories260k.</summary>
public class SaeSettings : ModelSettings
{
    /// <summary>Defaults the model to stories260k (a causal LM, so loss recovered is defined).</summary>
    public SaeSettings() => Model = "stories260k";

    [CommandOption("--corpus <FILE>")]
    [Description(
        "Text corpus (stories separated by <|endoftext|> lines). Every 10th text is held out for evaluation. Default: ../shared/data TinyStories sample."
    )]
    public string? Corpus { get; init; }

    [CommandOption("--eval-texts <N>")]
    [Description("Held-out texts the metrics are computed on. Default 200.")]
    public int EvalTexts { get; init; } = 200;

    [CommandOption("--context <N>")]
    [Description("Tokens per text at most (BOS included). Default 128.")]
    public int Context { get; init; } = 128;

    [CommandOption("--resamples <N>")]
    [Description("Bootstrap resamples over eval texts for the intervals (0: none). Default 1000.")]
    public int Resamples { get; init; } = 1000;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of initialisation, shuffling, resampling and the bootstrap. Default 0.")]
    public int Seed { get; init; }
}

/// <summary><c>glassbox sae eval</c>: metrics of a saved SAE on held-out text.</summary>
public sealed class SaeEvalCommand : Command<SaeEvalCommand.Settings>
{
    public sealed class Settings : SaeSettings
    {
        [CommandOption("--sae <DIR>")]
        [Description("SAE checkpoint folder (SAELens layout: cfg.json and sae_weights.safetensors).")]
        public string Sae { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Sae))
            throw new InputException("--sae: give the SAE checkpoint folder");
        SaeCli.Check(s);
        using var sae = SparseAutoencoder.Load(s.Sae);
        using var model = CliModel.Load(s);
        SaeCheckpoint.CheckFits(sae, model);
        var (_, eval, path) = SaeCli.Split(model, s);
        var metrics = CliProgress.Run("sae eval", s.Json, "texts", p =>
            SaeEvaluator.Evaluate(model, sae, eval, SaeCli.EvalOptions(s), p.Count)
        );
        var manifest = RunManifest.For(
            "sae eval",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["sae"] = s.Sae,
                ["evalTexts"] = s.EvalTexts.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Json)
        {
            CliJson.Write(
                "sae eval",
                model.Name,
                new
                {
                    sae = s.Sae,
                    config = sae.Config,
                    metrics,
                },
                manifest
            );
            return 0;
        }
        SaeCli.ShowMetrics(sae.Config, metrics);
        return 0;
    }
}

/// <summary>Helpers of the SAE commands: option checks, the held-out split and the metrics table.</summary>
internal static class SaeCli
{
    /// <summary>Every tenth corpus text (index 9, 19, ...) is held out for evaluation.</summary>
    public static bool IsEval(int index) => index % 10 == 9;

    public static void Check(SaeSettings s)
    {
        if (s.EvalTexts < 1)
            throw new InputException("--eval-texts must be at least 1");
        if (s.Context < 2)
            throw new InputException("--context must be at least 2 tokens");
        if (s.Resamples < 0)
            throw new InputException("--resamples must be ≥ 0");
    }

    /// <summary>Training texts (lazy, re-enumerable), tokenized eval sequences and the corpus path.</summary>
    public static (IEnumerable<string> Train, List<IReadOnlyList<int>> Eval, string Path) Split(
        HookedTransformer model,
        SaeSettings s
    )
    {
        var (texts, path) = CircuitCli.Corpus(s.Corpus, "--corpus");
        var train = texts.Where((_, i) => !IsEval(i));
        var evalTexts = texts.Where((_, i) => IsEval(i)).Take(s.EvalTexts).ToList();
        var eval = SaeHook.Sequences(model, evalTexts, s.Context);
        if (eval.Count == 0)
            throw new InputException(
                $"--corpus: '{path}' has no held-out text (every 10th text) of two or more tokens to evaluate on"
            );
        return (train, eval, path);
    }

    public static SaeEvalOptions EvalOptions(SaeSettings s) => new(s.Resamples, s.Seed);

    public static string F(double? v, string format = "F4") =>
        v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    public static string I(Interval? v, string format = "F4") =>
        v is null ? "n/a"
        : double.IsNaN(v.Lower) ? F(v.Value, format)
        : string.Create(
            CultureInfo.InvariantCulture,
            $"{v.Value.ToString(format, CultureInfo.InvariantCulture)} [{v.Lower.ToString(format, CultureInfo.InvariantCulture)}, {v.Upper.ToString(format, CultureInfo.InvariantCulture)}]"
        );

    public static void ShowMetrics(SaeConfig c, SaeMetrics m)
    {
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"SAE on {c.HookName} ({c.DIn} → {c.DSae} features): {m.Sequences} held-out texts, {m.Tokens} tokens (BOS excluded), 95% bootstrap intervals over texts"
                )
            )
            .Columns("metric", "value", "meaning");
        t.Row("MSE", I(m.Mse, "G4"), "mean squared error per element");
        t.Row("explained variance", I(m.ExplainedVariance), "1 − SSE / total variance");
        t.Row("L0", I(m.L0, "F2"), "active features per token");
        t.Row(
            "dead features",
            string.Create(CultureInfo.InvariantCulture, $"{m.DeadFeatures}/{m.DSae}"),
            "never fire on the eval tokens"
        );
        t.Row(
            "dense features",
            string.Create(CultureInfo.InvariantCulture, $"{m.DenseFeatures}/{m.DSae}"),
            string.Create(CultureInfo.InvariantCulture, $"fire on > {m.DenseThreshold:P0} of tokens")
        );
        t.Row("CE clean", F(m.CeClean), "next-token loss, nats");
        t.Row("CE with SAE", F(m.CeSae), "reconstruction spliced in at the hook");
        t.Row("CE zero-ablated", F(m.CeZero), "hook set to 0 (baseline)");
        t.Row("loss recovered", I(m.LossRecovered), m.Note ?? "(CE_zero − CE_sae) / (CE_zero − CE_clean)");
        Show.Write(t);
    }

    /// <summary>The sweep report: a table of runs and the L0 vs loss-recovered frontier.</summary>
    public static HtmlReport Report(string model, string hook, IReadOnlyList<SaeTrainCommand.Run> runs)
    {
        var report = new HtmlReport($"Sparse autoencoders on {hook}: {model}");
        report.Add(
            "runs",
            "SAEs by L1 coefficient",
            HtmlReport.Table(
                new[] { "L1", "L0", "explained variance", "MSE", "loss recovered", "dead", "dense", "checkpoint" },
                runs.Select(r =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            r.L1.ToString("G4", CultureInfo.InvariantCulture),
                            SaeCli.I(r.Metrics.L0, "F2"),
                            SaeCli.I(r.Metrics.ExplainedVariance, "F3"),
                            SaeCli.F(r.Metrics.Mse.Value, "G4"),
                            SaeCli.I(r.Metrics.LossRecovered, "F3"),
                            r.Metrics.DeadFeatures.ToString(CultureInfo.InvariantCulture),
                            r.Metrics.DenseFeatures.ToString(CultureInfo.InvariantCulture),
                            r.Dir,
                        }
                )
            )
        );
        var byL0 = runs.OrderBy(r => r.Metrics.L0.Value).ToList();
        var series = new List<ChartSeries>
        {
            new(
                "explained variance",
                byL0.Select(r => r.Metrics.ExplainedVariance.Value).ToList(),
                byL0.Select(r => r.Metrics.ExplainedVariance.Lower).ToList(),
                byL0.Select(r => r.Metrics.ExplainedVariance.Upper).ToList(),
                LineChart.Palette[1]
            ),
        };
        if (byL0.All(r => r.Metrics.LossRecovered is not null))
            series.Insert(
                0,
                new ChartSeries(
                    "loss recovered",
                    byL0.Select(r => r.Metrics.LossRecovered!.Value).ToList(),
                    byL0.Select(r => r.Metrics.LossRecovered!.Lower).ToList(),
                    byL0.Select(r => r.Metrics.LossRecovered!.Upper).ToList(),
                    LineChart.Palette[0]
                )
            );
        report.Add(
            "frontier",
            "Sparsity vs fidelity frontier",
            LineChart.Svg(
                byL0.Select(r =>
                        string.Create(CultureInfo.InvariantCulture, $"L0 {r.Metrics.L0.Value:F1} (λ {r.L1:G3})")
                    )
                    .ToList(),
                series,
                "Loss recovered and explained variance against L0 (one point per L1 coefficient)",
                "fraction"
            )
                + HtmlReport.Meaning(
                    "Each point is one SAE; further right is denser (more active features per token). A good SAE sits high (near 1) at a small L0. Bands are 95% bootstrap intervals over held-out texts."
                )
        );
        return report;
    }
}
