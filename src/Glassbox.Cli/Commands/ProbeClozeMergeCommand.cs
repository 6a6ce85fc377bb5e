using System.ComponentModel;
using Glassbox.Probing;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe cloze-merge</c>: the result of cloze probing split over workers (<c>probe cloze
/// --parts DIR --shard K/N</c>), read from their Parquet parts (no model is loaded); the same output as one
/// <c>probe cloze</c> run.</summary>
public sealed class ProbeClozeMergeCommand : Command<ProbeClozeMergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--parts <DIR>")]
        [Description("The folder the workers wrote (manifest.json and part-NNNNNN.parquet files).")]
        public string Parts { get; init; } = "";

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the P@k tables.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Parts))
            throw new InputException("--parts is required: the folder the cloze workers wrote");
        var (result, manifest) = ClozeShards.Merge(s.Parts);
        ClozeOutput.Write("probe cloze-merge", result, manifest, s.Json, s.Report);
        return 0;
    }
}
