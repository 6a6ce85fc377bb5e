using System.ComponentModel;
using Glassbox.Circuits.Patching;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox patch-set-merge</c>: read the parts of a prompt-set patching run split over workers and show
/// the result one run shows (no model is loaded).</summary>
public sealed class PatchSetMergeCommand : Command<PatchSetMergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--parts <DIR>")]
        [Description("The folder the 'patch-set --parts' workers wrote.")]
        public string Parts { get; init; } = "";

        [CommandOption("--out <FILE>")]
        [Description("Write an HTML report with the heatmap of effects and the strongest cells.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Parts))
            throw new InputException("--parts is required: the folder the 'patch-set' workers wrote");
        var (result, manifest) = PromptSetPatchShards.Merge(s.Parts);
        PatchSetOutput.Write("patch-set-merge", result, manifest, s.Json, s.Out);
        return 0;
    }
}
