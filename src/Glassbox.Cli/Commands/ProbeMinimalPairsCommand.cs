using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe minimal-pairs</c>: accuracy of a language model on minimal pairs (BLiMP, syneval, own pairs).</summary>
public sealed class ProbeMinimalPairsCommand : Command<ProbeMinimalPairsCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--blimp <DIR_OR_FILE>")]
        [Description("BLiMP .jsonl file or directory (sentence_good, sentence_bad, UID, linguistics_term).")]
        public string? Blimp { get; init; }

        [CommandOption("--syneval <DIR_OR_FILE>")]
        [Description("Marvin & Linzen syneval .jsonl file or directory (grammatical, ungrammatical, case).")]
        public string? SynEval { get; init; }

        [CommandOption("--pairs <FILE>")]
        [Description("Own pairs: .jsonl with good, bad, phenomenon (and optional group).")]
        public string? Pairs { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most N pairs per phenomenon (the first ones).")]
        public int? Limit { get; init; }

        [CommandOption("--batch-size <B>")]
        [Description("Sentences per forward pass. Default 64 for causal models, 16 for masked ones.")]
        public int? BatchSize { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Bootstrap seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the per-phenomenon chart.")]
        public string? Report { get; init; }

        [CommandOption("--parts <DIR>")]
        [Description(
            "Split the scoring over workers that share DIR: write this worker's shards of pairs as Parquet parts there; combine them with 'probe minimal-pairs-merge --parts DIR'."
        )]
        public string? Parts { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description(
            "With --parts: be worker K of N (from 0) and score shards s with s mod N = K. Either side may be auto (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT, GLASSBOX_SHARD_COUNT). Default 0/1."
        )]
        public string? Shard { get; init; }

        [CommandOption("--shard-pairs <N>")]
        [Description("With --parts: pairs per shard (the unit of a part and of a rerun). Default 500.")]
        public int ShardPairs { get; init; } = MinimalPairShards.DefaultShardPairs;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Blimp is null && s.SynEval is null && s.Pairs is null)
            throw new InputException("give --blimp, --syneval or --pairs");
        if (s.BatchSize is < 1)
            throw new InputException("--batch-size must be at least 1");
        if (s.Shard is not null && s.Parts is null)
            throw new InputException("--shard: needs --parts DIR, the folder the workers share");
        if (s.Parts is not null && s.Report is not null)
            throw new InputException(
                "--report: a worker writes parts; give --report to 'probe minimal-pairs-merge --parts DIR'"
            );
        var shard = s.Shard is null ? ShardSpec.Single : ShardSpec.Parse(s.Shard);
        var pairs = new List<MinimalPair>();
        var files = new List<string>();
        if (s.Blimp is not null)
        {
            pairs.AddRange(Glassbox.Data.MinimalPairReader.ReadBlimp(s.Blimp));
            files.AddRange(ProbeJsonl.Files(s.Blimp, "--blimp"));
        }
        if (s.SynEval is not null)
        {
            pairs.AddRange(Glassbox.Data.MinimalPairReader.ReadSyntaxEval(s.SynEval));
            files.AddRange(ProbeJsonl.Files(s.SynEval, "--syneval"));
        }
        if (s.Pairs is not null)
        {
            pairs.AddRange(ProbeJsonl.Pairs(s.Pairs));
            files.AddRange(ProbeJsonl.Files(s.Pairs, "--pairs"));
        }
        using var model = CliModel.Load(s);
        var options = new MinimalPairOptions
        {
            BatchSize = s.BatchSize,
            Seed = s.Seed,
            LimitPerPhenomenon = s.Limit,
        };
        if (s.Parts is not null)
        {
            var summary = CliProgress.Run("probe minimal-pairs", s.Json, "pairs", p =>
                MinimalPairShards.Score(
                    s.Parts,
                    model,
                    pairs,
                    shard,
                    options with
                    {
                        Progress = p.Counter,
                    },
                    s.ShardPairs,
                    cancellationToken
                )
            );
            MinimalPairsOutput.WriteWorker(summary, model.Name, s.Json);
            return 0;
        }
        var result = CliProgress.Run("probe minimal-pairs", s.Json, "sentences", p =>
            MinimalPairScorer.Evaluate(model, pairs, options with { Progress = p.Counter })
        );
        var manifest = RunManifest.For(
            "probe minimal-pairs",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["limit"] = s.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none",
                ["batchSize"] = (s.BatchSize ?? MinimalPairScorer.DefaultBatchSize(model)).ToString(
                    CultureInfo.InvariantCulture
                ),
                ["resamples"] = options.Resamples.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes(files),
        };
        MinimalPairsOutput.Write("probe minimal-pairs", result, manifest, s.Json, s.Report);
        return 0;
    }
}
