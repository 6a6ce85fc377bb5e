using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe cloze</c>: LAMA-style factual probing (precision@1/5/10 per relation).</summary>
public sealed class ProbeClozeCommand : Command<ProbeClozeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--facts <PATH>")]
        [Description(
            "Facts: a LAMA folder or LAMA facts file/folder as distributed (e.g. ../shared/data/lama or lama/TREx/P20.jsonl; "
                + "templates from relations.jsonl beside or above), or .jsonl lines with relation, subject, object, template ([[X]] subject, [[Y]] object)."
        )]
        public string? Facts { get; init; }

        [CommandOption("--lama <DIR>")]
        [Description(
            "A LAMA data folder as distributed (relations.jsonl plus TREx/ and Google_RE/ facts), e.g. ../shared/data/lama. "
                + "Example: glassbox probe cloze -m stories260k --lama ../shared/data/lama --limit 20"
        )]
        public string? Lama { get; init; }

        [CommandOption("--paraphrases <FILE>")]
        [Description("Optional .jsonl with relation and template keys: paraphrased templates for prompt sensitivity.")]
        public string? Paraphrases { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most N facts per relation (the first ones).")]
        public int? Limit { get; init; }

        [CommandOption("--batch-size <B>")]
        [Description("Sequences per forward pass. Default 16.")]
        public int BatchSize { get; init; } = 16;

        [CommandOption("--seed <S>")]
        [Description("Bootstrap seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the P@k tables.")]
        public string? Report { get; init; }

        [CommandOption("--parts <DIR>")]
        [Description(
            "Split the probing over workers that share DIR: write this worker's shards of relations as Parquet parts there; combine them with 'probe cloze-merge --parts DIR'."
        )]
        public string? Parts { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description(
            "With --parts: be worker K of N (from 0) and rank shards s with s mod N = K. Either side may be auto (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT, GLASSBOX_SHARD_COUNT). Default 0/1."
        )]
        public string? Shard { get; init; }

        [CommandOption("--shard-relations <N>")]
        [Description("With --parts: relations per shard (a relation's facts are ranked together). Default 1.")]
        public int ShardRelations { get; init; } = ClozeShards.DefaultShardRelations;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if ((s.Facts is null) == (s.Lama is null))
            throw new InputException("give either --lama DIR (e.g. ../shared/data/lama) or --facts FILE.jsonl");
        if (s.BatchSize < 1)
            throw new InputException("--batch-size must be at least 1");
        if (s.Shard is not null && s.Parts is null)
            throw new InputException("--shard: needs --parts DIR, the folder the workers share");
        if (s.Parts is not null && s.Report is not null)
            throw new InputException(
                "--report: a worker writes parts; give --report to 'probe cloze-merge --parts DIR'"
            );
        var shard = s.Shard is null ? ShardSpec.Single : ShardSpec.Parse(s.Shard);
        var source = ProbeJsonl.Facts(s.Lama ?? s.Facts!, s.Lama is null ? "--facts" : "--lama");
        var facts = source.Facts;
        var files = source.Files.ToList();
        IReadOnlyDictionary<string, IReadOnlyList<string>>? para = null;
        if (s.Paraphrases is not null)
        {
            para = ProbeJsonl.Paraphrases(s.Paraphrases);
            files.AddRange(ProbeJsonl.Files(s.Paraphrases, "--paraphrases"));
        }
        using var model = CliModel.Load(s);
        var options = new ClozeOptions
        {
            BatchSize = s.BatchSize,
            Seed = s.Seed,
            LimitPerRelation = s.Limit,
            Paraphrases = para,
        };
        if (s.Parts is not null)
        {
            var summary = CliProgress.Run("probe cloze", s.Json, "facts", p =>
                ClozeShards.Score(
                    s.Parts,
                    model,
                    facts,
                    shard,
                    options with
                    {
                        Progress = p.Counter,
                    },
                    s.ShardRelations,
                    cancellationToken
                )
            );
            ClozeOutput.WriteWorker(summary, model.Name, s.Json);
            return 0;
        }
        var result = CliProgress.Run("probe cloze", s.Json, "facts", p =>
            ClozeProber.Evaluate(model, facts, options with { Progress = p.Counter })
        );
        var manifest = RunManifest.For(
            "probe cloze",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["limit"] = s.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none",
                ["batchSize"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["resamples"] = options.Resamples.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes(files),
        };
        ClozeOutput.Write("probe cloze", result, manifest, s.Json, s.Report);
        return 0;
    }
}
