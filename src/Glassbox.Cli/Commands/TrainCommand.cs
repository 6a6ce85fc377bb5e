using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Reports;
using Glassbox.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox train</c>: trains a small transformer from scratch and saves checkpoints that every other command loads.</summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--out <DIR>")]
        [Description(
            "Output directory: checkpoint-<step>/, final/, losses.json, loss-curve.html, train.json. Default out/train under the current directory."
        )]
        public string? Out { get; init; }

        [CommandOption("--data <FILE>")]
        [Description(
            "Train on a text file (documents separated by <|endoftext|>), tokenised byte-level (or BPE with --bpe-merges)."
        )]
        public string? Data { get; init; }

        [CommandOption("--synthetic")]
        [Description(
            "Train on synthetic random sequences with repeated segments (the default when --data is not given)."
        )]
        public bool Synthetic { get; init; }

        [CommandOption("--vocab <V>")]
        [Description("Vocabulary size of the synthetic data, BOS included. Default 64.")]
        public int Vocab { get; init; } = 64;

        [CommandOption("--bpe-merges <N>")]
        [Description("With --data: train a byte-level BPE with N merges on the file first. Default 0 (bytes).")]
        public int BpeMerges { get; init; }

        [CommandOption("--layers <N>")]
        [Description("Blocks (1-4). Default 2.")]
        public int Layers { get; init; } = 2;

        [CommandOption("--d-model <D>")]
        [Description("Residual width. Default 64.")]
        public int DModel { get; init; } = 64;

        [CommandOption("--heads <H>")]
        [Description("Heads per block. Default 4.")]
        public int Heads { get; init; } = 4;

        [CommandOption("--d-head <D>")]
        [Description("Head width. Default d_model / heads.")]
        public int DHead { get; init; }

        [CommandOption("--d-mlp <D>")]
        [Description("MLP width. Default 4 × d_model.")]
        public int DMlp { get; init; }

        [CommandOption("--attn-only")]
        [Description("Attention-only blocks (no MLP).")]
        public bool AttnOnly { get; init; }

        [CommandOption("--no-ln")]
        [Description("No LayerNorm anywhere.")]
        public bool NoLn { get; init; }

        [CommandOption("--ctx <N>")]
        [Description("Context length. Default 128.")]
        public int Ctx { get; init; } = 128;

        [CommandOption("--steps <N>")]
        [Description("Optimisation steps. Default 1000.")]
        public int Steps { get; init; } = 1000;

        [CommandOption("--batch <B>")]
        [Description("Sequences per step. Default 32.")]
        public int Batch { get; init; } = 32;

        [CommandOption("--lr <LR>")]
        [Description("Peak learning rate (AdamW). Default 0.001.")]
        public double Lr { get; init; } = 1e-3;

        [CommandOption("--warmup <N>")]
        [Description("Linear warm-up steps, then cosine decay to 10% of the peak. Default 100.")]
        public int Warmup { get; init; } = 100;

        [CommandOption("--weight-decay <W>")]
        [Description("AdamW weight decay on matrices. Default 0.01.")]
        public double WeightDecay { get; init; } = 0.01;

        [CommandOption("--grad-clip <C>")]
        [Description("Clip the global gradient norm to C (0 = off). Default 1.")]
        public double GradClip { get; init; } = 1.0;

        [CommandOption("--checkpoints <STEPS>")]
        [Description("Comma-separated steps to save checkpoints at (0 = initial weights), e.g. 0,100,200.")]
        public string? Checkpoints { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of weights, data and libtorch. Default 0.")]
        public long Seed { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Data is not null && s.Synthetic)
            throw new InputException("give either --data or --synthetic, not both");
        if (s.BpeMerges < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--bpe-merges must be at least 0, got {s.BpeMerges}")
            );
        var checkpoints = ParseSteps(s.Checkpoints);
        var options = new TrainOptions
        {
            Layers = s.Layers,
            DModel = s.DModel,
            Heads = s.Heads,
            DHead = s.DHead,
            DMlp = s.DMlp,
            AttnOnly = s.AttnOnly,
            LayerNorm = !s.NoLn,
            NCtx = s.Ctx,
            LearningRate = s.Lr,
            WarmupSteps = s.Warmup,
            WeightDecay = s.WeightDecay,
            GradClip = s.GradClip,
            BatchSize = s.Batch,
            Steps = s.Steps,
            Seed = s.Seed,
            CheckpointSteps = checkpoints,
            Threads = s.Threads,
        }.Validate();
        ITrainingData data = s.Data is not null
            ? TextCorpusData.Load(s.Data, s.BpeMerges)
            : new RepeatedSegmentData(s.Vocab).Validate();
        GlassboxRuntime.Initialize(s.Threads);
        var outDir = CliPaths.OrDefault(s.Out, "train");
        var dataManifest = s.Data is null
            ? null
            : new Dictionary<string, string> { [s.Data] = Glassbox.Loading.ModelLoader.HashFiles(new[] { s.Data }) };
        var result = CliProgress.Run("train", s.Json, "steps", r => Trainer.Train(
                options,
                data,
                outDir,
                p =>
                {
                    if (p.Step % 10 == 0 || p.Step == p.TotalSteps)
                        r.Status(string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F3}"));
                    r.Count(p.Step, p.TotalSteps);
                },
                dataManifest
            ));
        if (s.Json)
        {
            CliJson.Write(
                "train",
                result.Manifest.Model,
                new
                {
                    data = result.Data,
                    parameters = result.Parameters,
                    seconds = result.Seconds,
                    uniformLoss = result.UniformLoss,
                    firstLoss = result.LossEnds.First,
                    lastLoss = result.LossEnds.Last,
                    checkpoints = result.Checkpoints,
                    output = Path.GetFullPath(outDir),
                },
                result.Manifest
            );
            return 0;
        }
        var t = Show.Table("", "value");
        t.Row("data", result.Data);
        t.Row("parameters", result.Parameters.ToString("N0", CultureInfo.InvariantCulture));
        t.Row(
            "steps × batch × ctx",
            string.Create(CultureInfo.InvariantCulture, $"{options.Steps} × {options.BatchSize} × {options.NCtx}")
        );
        t.Row("loss, first 50 steps", result.LossEnds.First.ToString("F3", CultureInfo.InvariantCulture));
        t.Row("loss, last 50 steps", result.LossEnds.Last.ToString("F3", CultureInfo.InvariantCulture));
        t.Row("uniform baseline ln(V)", result.UniformLoss.ToString("F3", CultureInfo.InvariantCulture));
        t.Row("time", string.Create(CultureInfo.InvariantCulture, $"{result.Seconds:F1} s"));
        t.Row("checkpoints", string.Join(", ", result.Checkpoints.Select(c => Path.GetFileName(c.Directory))));
        Show.Write(t);
        Show.Wrote(outDir, " (loss-curve.html, losses.json, train.json)");
        return 0;
    }

    private static IReadOnlyList<int> ParseSteps(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Array.Empty<int>();
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => ArgumentCheck.Int(p, "--checkpoints"))
            .Distinct()
            .Order()
            .ToList();
    }
}
