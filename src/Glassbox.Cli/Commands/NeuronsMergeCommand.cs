using System.ComponentModel;
using System.Globalization;
using Glassbox.Neurons.Store;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons merge</c>: fold the Parquet parts of a harvest split over workers
/// (<c>neurons harvest --parts DIR --shard K/N</c>) into the store one run would write (no model is loaded).</summary>
public sealed class NeuronsMergeCommand : Command<NeuronsMergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--parts <DIR>")]
        [Description("The folder the workers wrote (base.duckdb and shard-NNNNNN/ parts).")]
        public string Parts { get; init; } = "";

        [CommandOption("--store <FILE>")]
        [Description("The store to write (replaced if it exists). Default out/<model>.neurons.duckdb.")]
        public string? Store { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Parts))
            throw new InputException("--parts is required: the folder the harvest workers wrote");
        if (!Directory.Exists(s.Parts))
            throw new InputException($"--parts: folder '{s.Parts}' does not exist");
        // The workers' base store may come from other machines: read it whole in a separate process first.
        string model = ModelOf(s.Parts);
        string store = s.Store ?? NeuronsHarvestCommand.DefaultStore(model);
        var summary = CliProgress.Run("neurons merge", s.Json, "shards", p =>
            StoreParts.Merge(s.Parts, store, h => p.Count(h.ShardsDone, h.Shards), cancellationToken)
        );
        if (s.Json)
        {
            CliJson.Write("neurons merge", summary.Model, summary);
            return 0;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Merged activation store of {summary.Model}", "", "");
        t.Row("shards", N(summary.Shards));
        t.Row("documents", N(summary.Documents));
        t.Row("tokens", N(summary.Tokens));
        t.Row("leftovers removed", N(summary.LeftoversRemoved) + " temporary folders of killed workers");
        t.Row("time", N(summary.Seconds, "F1") + " s");
        Show.Write(t);
        Show.Wrote(summary.Store);
        return 0;
    }

    private static string ModelOf(string parts)
    {
        using var b = ActivationStore.Open(
            Path.Combine(parts, StoreParts.BaseFile),
            CliStoreChecker.Create(),
            "--parts"
        );
        return b.Model;
    }
}
