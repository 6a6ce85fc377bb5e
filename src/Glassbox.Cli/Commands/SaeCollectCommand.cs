using System.ComponentModel;
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Neurons.Sae;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox sae collect</c>: run the SAE training texts through the model once and keep a hook's
/// activations on disk (SAELens's cached activations), in one run or split over workers that share a parts folder;
/// <c>sae train --activations DIR</c> then trains without running the model.</summary>
public sealed class SaeCollectCommand : Command<SaeCollectCommand.Settings>
{
    public sealed class Settings : SaeSettings
    {
        [CommandOption("--hook <HOOK>")]
        [Description(
            "Hook of shape [[batch, pos, units]] to collect. Default: the MLP neurons (post-activation) of the middle layer."
        )]
        public string? Hook { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("The cache folder to write (activations.parquet, cache.json). Default out/activations-<hook>.")]
        public string? Out { get; init; }

        [CommandOption("--parts <DIR>")]
        [Description(
            "Split the collection over workers that share DIR: write this worker's shards as Parquet parts there; combine them with 'sae collect-merge --parts DIR'."
        )]
        public string? Parts { get; init; }

        [CommandOption("--shard <K/N>")]
        [Description(
            "With --parts: be worker K of N (from 0) and collect shards s with s mod N = K. Either side may be auto (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT, GLASSBOX_SHARD_COUNT). Default 0/1."
        )]
        public string? Shard { get; init; }

        [CommandOption("--shard-chunks <N>")]
        [Description("Chunks of 8 texts per shard (the unit of a part and of a rerun). Default 64.")]
        public int ShardChunks { get; init; } = 64;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        SaeCli.Check(s);
        if (s.Shard is not null && s.Parts is null)
            throw new InputException("--shard: needs --parts DIR, the folder the workers share");
        if (s.Parts is not null && s.Out is not null)
            throw new InputException("--out: a worker writes parts; give --out to 'sae collect-merge --parts DIR'");
        var shard = s.Shard is null ? ShardSpec.Single : ShardSpec.Parse(s.Shard);
        var options = new ActivationCollectOptions(s.Context, ShardChunks: s.ShardChunks);
        options.Validate();
        using var model = CliModel.Load(s);
        string hook = s.Hook ?? HookPoints.MlpPost.Name(model.Config.NLayers / 2);
        SaeHook.Width(model, hook);
        var (train, _, path) = SaeCli.Split(model, s);
        var texts = train.ToList();
        string parts = s.Parts ?? Path.Combine(s.Out ?? CliPaths.OrDefault(null, "activations-" + hook), ".parts");
        var summary = CliProgress.Run("sae collect", s.Json, "texts", p =>
            ActivationCollector.Collect(parts, model, hook, texts, shard, options, path, p.Count, cancellationToken)
        );
        if (s.Parts is not null)
        {
            SaeCollectOutput.Worker(summary, model.Name, s.Json);
            return 0;
        }
        string outDir = Path.GetDirectoryName(parts)!;
        using var cache = ActivationCollector.Merge(parts, outDir);
        Directory.Delete(parts, true);
        SaeCollectOutput.Cache("sae collect", cache, s.Json);
        return 0;
    }
}
