using System.ComponentModel;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Neurons.Sae;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox sae train</c>: train one SAE per L1 coefficient on a hook, evaluate each on held-out text,
/// save SAELens-layout checkpoints and an HTML report with the L0 vs loss-recovered frontier.</summary>
public sealed class SaeTrainCommand : Command<SaeTrainCommand.Settings>
{
    public sealed class Settings : SaeSettings
    {
        [CommandOption("--hook <HOOK>")]
        [Description(
            "Hook of shape [[batch, pos, units]] to train on. Default: the MLP neurons (post-activation) of the middle layer."
        )]
        public string? Hook { get; init; }

        [CommandOption("--expansion <N>")]
        [Description("Features per input unit (d_sae = N × d_in). Default 4.")]
        public int Expansion { get; init; } = 4;

        [CommandOption("--l1 <LIST>")]
        [Description("L1 coefficient, or a comma list to sweep (one SAE each), e.g. 0.5,1,4. Default 2.")]
        public string L1 { get; init; } = "2";

        [CommandOption("--penalty <KIND>")]
        [Description(
            "decoder-norm: L1 weighted by decoder row norms (SAELens/Anthropic); unit-norm: plain L1 with unit-norm decoder rows (Bricken et al.). Default decoder-norm."
        )]
        public string Penalty { get; init; } = "decoder-norm";

        [CommandOption("--tied")]
        [Description("Tie the decoder to the encoder's transpose during training.")]
        public bool Tied { get; init; }

        [CommandOption("--lr <LR>")]
        [Description("Adam learning rate (constant). Default 0.003.")]
        public double Lr { get; init; } = 3e-3;

        [CommandOption("--batch <N>")]
        [Description("Activation vectors (tokens) per step. Default 1024.")]
        public int Batch { get; init; } = 1024;

        [CommandOption("--steps <N>")]
        [Description("Optimiser steps per SAE. Default 2000.")]
        public int Steps { get; init; } = 2000;

        [CommandOption("--l1-warmup <N>")]
        [Description("Steps over which the L1 coefficient rises linearly from 0. Default: 5% of --steps.")]
        public int? L1Warmup { get; init; }

        [CommandOption("--resample-every <N>")]
        [Description(
            "Every N steps, re-initialise features dead over --dead-window steps toward high-loss inputs (0: never). Default 0."
        )]
        public int ResampleEvery { get; init; }

        [CommandOption("--dead-window <N>")]
        [Description("Steps without firing after which a feature counts as dead. Default: --resample-every.")]
        public int DeadWindow { get; init; }

        [CommandOption("--no-normalize")]
        [Description("Do not scale activations to mean norm √d_in during training.")]
        public bool NoNormalize { get; init; }

        [CommandOption("--buffer <N>")]
        [Description("Rows of the activation shuffle buffer. Default 16384.")]
        public int Buffer { get; init; } = 16384;

        [CommandOption("--activations <DIR>")]
        [Description(
            "Train on a cache written by 'sae collect' (or 'sae collect-merge') instead of running the model; its hook and context are used. The model is still loaded for the held-out metrics."
        )]
        public string? Activations { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description(
            "Checkpoint folder (one L1 value) or folder of l1_<value> checkpoints (a sweep); report.html goes inside. Default out/sae-<hook>."
        )]
        public string? Out { get; init; }
    }

    internal sealed record Run(double L1, string Dir, SaeMetrics Metrics, TrainSummary Train);

    /// <summary>Training facts of one SAE (JSON: camelCase).</summary>
    internal sealed record TrainSummary(
        int Steps,
        long Tokens,
        double Seconds,
        double StepsPerSecond,
        double SaeStepsPerSecond,
        int Resampled,
        IReadOnlyList<int> ResampleSteps,
        IReadOnlyList<int> ResampleCounts,
        double ScalingFactor,
        double FinalMse,
        double FinalL0
    );

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        SaeCli.Check(s);
        var l1s = ParseL1(s.L1);
        var penalty = s.Penalty switch
        {
            "decoder-norm" => SaeSparsityPenalty.DecoderNormWeighted,
            "unit-norm" => SaeSparsityPenalty.UnitNormDecoder,
            _ => throw new InputException($"--penalty: '{s.Penalty}' is not one of decoder-norm, unit-norm"),
        };
        var options = new SaeTrainOptions(
            s.Expansion,
            l1s[0],
            penalty,
            s.Tied,
            s.Lr,
            s.Batch,
            s.Steps,
            s.L1Warmup ?? s.Steps / 20,
            s.Seed,
            s.ResampleEvery,
            s.DeadWindow,
            !s.NoNormalize,
            s.Context,
            s.Buffer
        );
        options.Validate();
        using var model = CliModel.Load(s);
        using var cache = s.Activations is null ? null : CollectedActivations.Open(s.Activations);
        cache?.RequireFrom(model, s.Hook);
        string hook = cache?.Hook ?? s.Hook ?? HookPoints.MlpPost.Name(model.Config.NLayers / 2);
        long dIn = SaeHook.Width(model, hook);
        var (train, eval, path) = SaeCli.Split(model, s);
        if (cache is not null)
            path = cache.Data;
        string outDir = s.Out ?? CliPaths.OrDefault(null, "sae-" + hook);
        var runs = new List<Run>();
        foreach (double l1 in l1s)
        {
            string label = string.Create(CultureInfo.InvariantCulture, $"l1 {l1:G4}");
            var o = options with { L1Coefficient = l1 };
            var r = CliProgress.Run($"sae train: {label}", s.Json, "steps", p =>
                cache is null
                    ? SaeTrainer.Train(model, hook, train, o, path, p.Count)
                    : SaeTrainer.Train(CollectedActivations.Open(cache.Directory), o, path, p.Count)
            );
            using var sae = r.Sae;
            string dir =
                l1s.Count == 1
                    ? outDir
                    : Path.Combine(outDir, string.Create(CultureInfo.InvariantCulture, $"l1_{l1:G4}"));
            sae.Save(dir);
            var metrics = CliProgress.Run($"sae eval: {label}", s.Json, "texts", p =>
                SaeEvaluator.Evaluate(model, sae, eval, SaeCli.EvalOptions(s), p.Count)
            );
            var last = r.Curve[^1];
            runs.Add(
                new Run(
                    l1,
                    dir,
                    metrics,
                    new TrainSummary(
                        s.Steps,
                        r.Tokens,
                        r.Seconds,
                        r.StepsPerSecond,
                        r.SaeStepsPerSecond,
                        r.Resampled,
                        r.ResampleEvents.Select(e => e.Step).ToList(),
                        r.ResampleEvents.Select(e => e.Count).ToList(),
                        r.ScalingFactor,
                        last.Mse,
                        last.L0
                    )
                )
            );
        }
        string report = Path.Combine(outDir, "report.html");
        SaeCli.Report(model.Name, hook, runs).Save(report);
        var manifest = RunManifest.For(
            "sae train",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["hook"] = hook,
                ["expansion"] = s.Expansion.ToString(CultureInfo.InvariantCulture),
                ["l1"] = s.L1,
                ["penalty"] = s.Penalty,
                ["steps"] = s.Steps.ToString(CultureInfo.InvariantCulture),
                ["batch"] = s.Batch.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = new Dictionary<string, string> { ["corpus"] = path },
        };
        if (s.Json)
        {
            CliJson.Write(
                "sae train",
                model.Name,
                new
                {
                    hook,
                    dIn,
                    dSae = dIn * s.Expansion,
                    runs = runs.Select(r => new
                    {
                        l1 = r.L1,
                        dir = r.Dir,
                        train = r.Train,
                        metrics = r.Metrics,
                    }),
                    report,
                },
                manifest
            );
            return 0;
        }
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"SAEs on {hook} of {model.Name}: {dIn} → {dIn * s.Expansion} features, {s.Steps} steps × {s.Batch} tokens; metrics on {runs[0].Metrics.Sequences} held-out texts"
                )
            )
            .Columns(
                "L1",
                "L0",
                "explained var.",
                "MSE",
                "loss recovered [95% CI]",
                "dead",
                "dense",
                "resampled",
                "steps/s"
            );
        foreach (var r in runs)
        {
            var m = r.Metrics;
            t.Row(
                r.L1.ToString("G4", CultureInfo.InvariantCulture),
                SaeCli.F(m.L0.Value, "F2"),
                SaeCli.F(m.ExplainedVariance.Value),
                SaeCli.F(m.Mse.Value, "G4"),
                m.LossRecovered is null ? "n/a (no LM loss)" : SaeCli.I(m.LossRecovered, "F3"),
                m.DeadFeatures.ToString(CultureInfo.InvariantCulture),
                m.DenseFeatures.ToString(CultureInfo.InvariantCulture),
                r.Train.Resampled.ToString(CultureInfo.InvariantCulture),
                r.Train.StepsPerSecond.ToString("F1", CultureInfo.InvariantCulture)
            );
        }
        Show.Write(t);
        foreach (var r in runs)
            Show.Wrote(r.Dir, " (SAE checkpoint)");
        Show.Wrote(report);
        return 0;
    }

    /// <summary>The comma list of --l1 values, each a finite number ≥ 0.</summary>
    internal static List<double> ParseL1(string text)
    {
        var list = new List<double>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (
                !double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                || !double.IsFinite(v)
                || v < 0
            )
                throw new InputException($"--l1: '{part}' is not a number ≥ 0 (give one value or a comma list)");
            list.Add(v);
        }
        return list;
    }
}
