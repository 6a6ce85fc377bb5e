using System.ComponentModel;
using Glassbox.Probing;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe minimal-pairs-merge</c>: the result of a minimal-pair run split over workers
/// (<c>probe minimal-pairs --parts DIR --shard K/N</c>), read from their Parquet parts (no model is loaded); the same
/// output as one <c>probe minimal-pairs</c> run.</summary>
public sealed class ProbeMinimalPairsMergeCommand : Command<ProbeMinimalPairsMergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--parts <DIR>")]
        [Description("The folder the workers wrote (manifest.json and part-NNNNNN.parquet files).")]
        public string Parts { get; init; } = "";

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the per-phenomenon chart.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Parts))
            throw new InputException("--parts is required: the folder the minimal-pair workers wrote");
        var (result, manifest) = MinimalPairShards.Merge(s.Parts);
        MinimalPairsOutput.Write("probe minimal-pairs-merge", result, manifest, s.Json, s.Report);
        return 0;
    }
}
