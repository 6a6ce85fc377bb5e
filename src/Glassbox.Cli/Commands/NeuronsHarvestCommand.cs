using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Neurons.Store;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons harvest</c>: stream a corpus through a model into a resumable DuckDB activation store
/// (per-unit statistics, histograms, top excerpts, quantile sample).</summary>
public sealed class NeuronsHarvestCommand : Command<NeuronsHarvestCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--corpus <FILE>")]
        [Description(
            "Text corpus: documents separated by <|endoftext|> lines, else one per line. Default: ../shared/data TinyStories sample."
        )]
        public string? Corpus { get; init; }

        [CommandOption("--hooks <GLOBS>")]
        [Description(
            "Comma-separated hook names or globs shaped [[batch, pos, units]]. Default: the MLP activations (mlp post) of every layer."
        )]
        public string? Hooks { get; init; }

        [CommandOption("--store <FILE>")]
        [Description(
            "DuckDB store file; an existing one is resumed at its first unfinished shard. Default out/<model>.neurons.duckdb."
        )]
        public string? Store { get; init; }

        [CommandOption("--top-k <K>")]
        [Description("Top-activating excerpts kept per unit. Default 20.")]
        public int TopK { get; init; } = 20;

        [CommandOption("--max-docs <N>")]
        [Description("Harvest only the first N documents. Default: all.")]
        public long? MaxDocs { get; init; }

        [CommandOption("--shard-docs <N>")]
        [Description("Documents per shard (the unit of commit and resume). Default 100.")]
        public int ShardDocs { get; init; } = 100;

        [CommandOption("--batch <N>")]
        [Description("Documents per forward pass (similar lengths batched together). Default 1.")]
        public int Batch { get; init; } = 1;

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the token sample behind the quantiles. Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--parts <DIR>")]
        [Description(
            "Split the harvest over workers that share DIR: write this worker's shards as Parquet parts there (no --store); merge them with 'neurons merge'."
        )]
        public string? Parts { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description(
            "With --parts: be worker K of N (from 0) and harvest shards s with s mod N = K. Either side may be auto (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT, GLASSBOX_SHARD_COUNT). Default 0/1."
        )]
        public string? Shard { get; init; }

        [CommandOption("--parquet <DIR>")]
        [Description("Also export every store table to DIR/<table>.parquet when done.")]
        public string? Parquet { get; init; }
    }

    /// <summary>The default store of a model argument: <c>out/&lt;name&gt;.neurons.duckdb</c>, where name is the known
    /// model name or the file/directory name of a path.</summary>
    internal static string DefaultStore(string model)
    {
        string name = Path.GetFileName(model.TrimEnd('/', '\\'));
        foreach (char c in Path.GetInvalidFileNameChars())
            name = name.Replace(c, '_');
        return CliPaths.OrDefault(null, (name.Length == 0 ? "model" : name) + ".neurons.duckdb");
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new HarvestOptions
        {
            Hooks = s.Hooks,
            TopK = s.TopK,
            MaxDocuments = s.MaxDocs,
            ShardDocuments = s.ShardDocs,
            BatchSize = s.Batch,
            Seed = s.Seed,
        }.Validate();
        string corpus = s.Corpus
            ?? SharedData.File("tinystories", "tinystories_sample.txt")
            ?? throw new InputException("--corpus: no corpus given and ../shared/data/tinystories is absent");
        if (s.Shard is not null && s.Parts is null)
            throw new InputException("--shard: needs --parts DIR, the folder the workers share");
        if (s.Parts is not null && (s.Store is not null || s.Parquet is not null))
            throw new InputException(
                $"--parts: a worker writes parts, not a store; leave out {(s.Store is not null ? "--store" : "--parquet")} and merge with 'glassbox neurons merge --parts DIR --store FILE'"
            );
        var shard = s.Shard is null ? ShardSpec.Single : ShardSpec.Parse(s.Shard);
        using var model = CliModel.Load(s);
        if (s.Parts is not null)
            return Worker(s, model, corpus, options, shard, cancellationToken);
        string store = s.Store ?? DefaultStore(s.Model);
        var summary = CliProgress.Run("neurons harvest", s.Json, "shards", p =>
            ActivationStore.Harvest(
                store,
                model,
                corpus,
                options,
                h => p.Count(h.ShardsDone, h.Shards),
                cancellationToken
            )
        );
        using var opened = ActivationStore.Open(store);
        var parquet = s.Parquet is null ? null : opened.ExportParquet(s.Parquet);
        if (s.Json)
        {
            var manifest = RunManifest.For(
                "neurons harvest",
                model,
                s.Seed,
                new Dictionary<string, string>
                {
                    ["hooks"] = string.Join(",", summary.Hooks),
                    ["topK"] = s.TopK.ToString(CultureInfo.InvariantCulture),
                    ["shardDocs"] = s.ShardDocs.ToString(CultureInfo.InvariantCulture),
                    ["maxDocs"] = s.MaxDocs?.ToString(CultureInfo.InvariantCulture) ?? "all",
                }
            ) with
            {
                Data = new Dictionary<string, string>
                {
                    [opened.Manifest["corpus_path"]] = opened.Manifest["corpus_sha256"],
                },
            };
            CliJson.Write(
                "neurons harvest",
                model.Name,
                new
                {
                    store = Path.GetFullPath(store),
                    summary.Hooks,
                    summary.Units,
                    summary.Documents,
                    summary.Tokens,
                    summary.Shards,
                    summary.ShardsResumed,
                    summary.ShardsRun,
                    summary.TokensRun,
                    summary.Truncated,
                    summary.Seconds,
                    summary.TokensPerSecond,
                    parquet,
                },
                manifest
            );
            return 0;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Activation store of {model.Name}", "", "");
        t.Row("hooks", string.Join(", ", summary.Hooks));
        t.Row("units", N(summary.Units));
        t.Row(
            "documents",
            N(summary.Documents) + (summary.Truncated > 0 ? $" ({N(summary.Truncated)} cut at the context)" : "")
        );
        t.Row("tokens", N(summary.Tokens));
        t.Row("shards", $"{N(summary.Shards)} ({N(summary.ShardsResumed)} resumed, {N(summary.ShardsRun)} run now)");
        t.Row(
            "this run",
            $"{N(summary.TokensRun)} tokens in {N(summary.Seconds, "F1")} s = {N(summary.TokensPerSecond)} tokens/s"
        );
        Show.Write(t);
        Show.Wrote(store);
        foreach (var f in parquet ?? [])
            Show.Wrote(f);
        return 0;
    }

    private static int Worker(
        Settings s,
        HookedTransformer model,
        string corpus,
        HarvestOptions options,
        ShardSpec shard,
        CancellationToken ct
    )
    {
        var summary = CliProgress.Run("neurons harvest " + shard, s.Json, "parts", p =>
            StoreParts.Harvest(s.Parts!, model, corpus, shard, options, h => p.Count(h.ShardsDone, h.Shards), ct)
        );
        if (s.Json)
        {
            CliJson.Write(
                "neurons harvest",
                model.Name,
                new
                {
                    parts = summary.Store,
                    shard = shard.ToString(),
                    summary.Hooks,
                    summary.Units,
                    summary.Documents,
                    summary.Shards,
                    partsFound = summary.ShardsResumed,
                    partsWritten = summary.ShardsRun,
                    summary.TokensRun,
                    summary.Seconds,
                    summary.TokensPerSecond,
                },
                RunManifest.For(
                    "neurons harvest",
                    model,
                    s.Seed,
                    new Dictionary<string, string> { ["shard"] = shard.ToString() }
                )
            );
            return 0;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Worker {shard} of a split harvest of {model.Name}", "", "");
        t.Row("hooks", string.Join(", ", summary.Hooks));
        t.Row("units", N(summary.Units));
        t.Row(
            "shards",
            $"{N(summary.Shards)} in all; this worker's: {N(summary.ShardsResumed)} found written, {N(summary.ShardsRun)} written now"
        );
        t.Row(
            "this run",
            $"{N(summary.TokensRun)} tokens in {N(summary.Seconds, "F1")} s = {N(summary.TokensPerSecond)} tokens/s"
        );
        Show.Write(t);
        Show.Wrote(summary.Store);
        return 0;
    }
}
