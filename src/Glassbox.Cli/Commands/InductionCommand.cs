using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Induction;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox induction</c>: the repeated-random-tokens test for induction heads, per model or across checkpoints.</summary>
public sealed class InductionCommand : Command<InductionCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--checkpoints <RUN_DIR>")]
        [Description(
            "A 'glassbox train' output directory: analyse every checkpoint-<step>/ (the phase change) instead of --model."
        )]
        public string? Checkpoints { get; init; }

        [CommandOption("--ablate <HEADS>")]
        [Description(
            "Zero-ablate these heads (comma-separated, e.g. L1H3,L1H0; 1.3 and L1-H3 work too) and report the change in second-copy loss and ICL score."
        )]
        public string? Ablate { get; init; }

        [CommandOption("--scan")]
        [Description("Also zero-ablate every head on its own (one run per head).")]
        public bool Scan { get; init; }

        [CommandOption("--segment <T>")]
        [Description("Length of the repeated random segment. Default min(50, context/2).")]
        public int? Segment { get; init; }

        [CommandOption("--sequences <N>")]
        [Description("Random sequences. Default 32.")]
        public int Sequences { get; init; } = 32;

        [CommandOption("--early <POS>")]
        [Description("Early position of the ICL score. Default: middle of the first copy.")]
        public int? Early { get; init; }

        [CommandOption("--late <POS>")]
        [Description("Late position of the ICL score. Default: early + T (same token, second copy).")]
        public int? Late { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of the random tokens. Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Also write an HTML report.")]
        public string? Out { get; init; }
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new InductionOptions
        {
            SegmentLength = s.Segment,
            Sequences = s.Sequences,
            Seed = s.Seed,
            EarlyPosition = s.Early,
            LatePosition = s.Late,
            Ablate = InductionOptions.ParseHeads(s.Ablate),
            ScanHeads = s.Scan,
        };
        if (s.Checkpoints is not null)
        {
            if (options.Ablate.Count > 0)
                throw new InputException("--ablate works on one --model, not with --checkpoints");
            GlassboxRuntime.Initialize(s.Threads);
            var sweep = CliProgress.Run("induction", s.Json, "checkpoints", p =>
                CheckpointSweep.Run(s.Checkpoints, options, p.Counter)
            );
            if (s.Out is not null)
                InductionReport
                    .Add(
                        new HtmlReport($"Induction heads across checkpoints: {Path.GetFileName(sweep.RunDirectory)}"),
                        sweep
                    )
                    .Save(s.Out);
            if (s.Json)
            {
                CliJson.Write("induction", sweep.Manifest.Model, sweep, sweep.Manifest);
                return 0;
            }
            var t = Show.Table(
                "step",
                "train loss",
                "first copy",
                "second copy",
                "ICL score",
                "best induction head",
                "best prev-token head"
            );
            foreach (var p in sweep.Points)
                t.Row(
                    p.Step.ToString(CultureInfo.InvariantCulture),
                    p.TrainLoss is double tl ? F(tl) : "",
                    F(p.FirstCopyLoss),
                    F(p.SecondCopyLoss),
                    F(p.IclScore),
                    HeadName.Format(p.TopInduction.Layer, p.TopInduction.Head)
                        + " ("
                        + F(p.TopInduction.Induction)
                        + ")",
                    HeadName.Format(p.TopPreviousToken.Layer, p.TopPreviousToken.Head)
                        + " ("
                        + F(p.TopPreviousToken.PreviousToken)
                        + ")"
                );
            Show.Write(t);
            Show.Line(
                sweep.PhaseChangeStep is int st
                    ? string.Create(
                        CultureInfo.InvariantCulture,
                        $"Best prefix-matching score first ≥ 0.5 at step {st}."
                    )
                    : "No checkpoint has a head with prefix-matching score ≥ 0.5."
            );
            if (s.Out is not null)
                Show.Wrote(s.Out);
            return 0;
        }
        using var model = CliModel.Load(s);
        var r = CliProgress.Run("induction", s.Json, "sequences", _ => InductionAnalyzer.Analyze(model, options));
        if (s.Out is not null)
            InductionReport
                .Add(new HtmlReport($"Induction heads: {model.Name}"), r, model.Config.NLayers, model.Config.NHeads)
                .Save(s.Out);
        if (s.Json)
        {
            CliJson.Write("induction", model.Name, r, r.Manifest);
            return 0;
        }
        var ht = Show.Table("head", "previous-token", "prefix-matching", "direct copying", "OV copying");
        if (r.HeadAblations is not null)
            ht.Columns("ablated: Δ 2nd-copy loss", "ablated: Δ ICL");
        foreach (var h in r.Heads)
        {
            var row = new List<string>
            {
                HeadName.Format(h.Layer, h.Head),
                F(h.PreviousToken),
                F(h.Induction),
                F(h.DirectCopying),
                F(h.OvCopying),
            };
            if (r.HeadAblations?.FirstOrDefault(a => a.Layer == h.Layer && a.Head == h.Head) is { } ha)
            {
                row.Add(F(ha.SecondCopyIncrease));
                row.Add(F(ha.IclScoreChange));
            }
            ht.Row(row.ToArray());
        }
        Show.Write(ht);
        var l = r.Losses;
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Repeated random tokens (T = {r.SegmentLength}, {r.Sequences} sequences): loss first copy {l.FirstCopy}, second copy {l.SecondCopy}, uniform {F(l.UniformLoss)}; "
            )
                + string.Create(
                    CultureInfo.InvariantCulture,
                    $"ICL score (pos {l.LatePosition} - pos {l.EarlyPosition}) {l.IclScore}."
                )
        );
        if (r.Ablation is { } a)
            Show.Line(
                $"Ablating {string.Join(",", a.Heads)}: second-copy loss {a.Losses.SecondCopy} (+{F(a.SecondCopyIncrease)}), ICL score {a.Losses.IclScore} (change {F(a.IclScoreChange)}); "
                    + $"control (random other heads): +{(a.ControlSecondCopyIncrease is double c ? F(c) : "n/a")}, ICL change {(a.ControlIclScoreChange is double d ? F(d) : "n/a")}."
            );
        if (s.Out is not null)
            Show.Wrote(s.Out);
        return 0;
    }
}
