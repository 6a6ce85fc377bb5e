using System.ComponentModel;
using Glassbox.Circuits.Patching;
using Glassbox.Data;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox patch-set</c>: activation patching over a set of clean/corrupted prompt pairs, averaged with
/// bootstrap intervals over prompts; in one run or split over workers that share a parts folder.</summary>
public sealed class PatchSetCommand : Command<PatchSetCommand.Settings>
{
    public sealed class Settings : PatchingSettings
    {
        [CommandOption("--prompts <FILE>")]
        [Description("JSON Lines of prompt pairs: clean, corrupted (same token length), answer, wrong.")]
        public string Prompts { get; init; } = "";

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples over prompts for the 95% intervals (0: none). Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--seed <S>")]
        [Description("Bootstrap seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Write an HTML report with the heatmap of effects and the strongest cells.")]
        public string? Out { get; init; }

        [CommandOption("--parts <DIR>")]
        [Description(
            "Split the prompts over workers that share DIR: write this worker's shards as Parquet parts there; combine them with 'patch-set-merge --parts DIR'."
        )]
        public string? Parts { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description(
            "With --parts: be worker K of N (from 0) and sweep shards s with s mod N = K. Either side may be auto (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT, GLASSBOX_SHARD_COUNT). Default 0/1."
        )]
        public string? Shard { get; init; }

        [CommandOption("--shard-prompts <N>")]
        [Description("With --parts: prompt pairs per shard (the unit of a part and of a rerun). Default 20.")]
        public int ShardPrompts { get; init; } = PromptSetPatchShards.DefaultShardPrompts;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Prompts))
            throw new InputException("--prompts is required: a JSON Lines file of clean, corrupted, answer, wrong");
        if (s.Resamples < 0)
            throw new InputException("--resamples must be ≥ 0");
        if (s.Shard is not null && s.Parts is null)
            throw new InputException("--shard: needs --parts DIR, the folder the workers share");
        if (s.Parts is not null && s.Out is not null)
            throw new InputException("--out: a worker writes parts; give --out to 'patch-set-merge --parts DIR'");
        var kind = s.Kind();
        var options = s.Options();
        var mode = options.Mode;
        var shard = s.Shard is null ? ShardSpec.Single : ShardSpec.Parse(s.Shard);
        var prompts = PatchPromptReader.Read(s.Prompts);
        var set = new PromptSetOptions(s.Resamples, s.Seed);
        using var model = CliModel.Load(s);
        if (s.Parts is not null)
        {
            var summary = CliProgress.Run("patch-set", s.Json, "prompts", p =>
                PromptSetPatchShards.Score(
                    s.Parts,
                    model,
                    prompts,
                    kind,
                    shard,
                    options with
                    {
                        Progress = p.Counter,
                    },
                    set,
                    s.ShardPrompts,
                    cancellationToken
                )
            );
            PatchSetOutput.Worker(summary, model.Name, s.Json);
            return 0;
        }
        var result = CliProgress.Run("patch-set", s.Json, "prompts", p =>
            PromptSetPatching.Run(model, prompts, kind, options with { Progress = p.Counter }, set)
        );
        var manifest = RunManifest.For(
            "patch-set",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["hook"] = kind.Name(),
                ["mode"] = mode.ToString().ToLowerInvariant(),
                ["chunkSize"] = s.ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["resamples"] = s.Resamples.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes([s.Prompts]),
        };
        PatchSetOutput.Write("patch-set", result, manifest, s.Json, s.Out);
        return 0;
    }
}
