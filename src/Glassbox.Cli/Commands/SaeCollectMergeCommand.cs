using System.ComponentModel;
using Glassbox.Neurons.Sae;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox sae collect-merge</c>: check the parts of a collection split over workers and write the cache
/// one run writes (no model is loaded).</summary>
public sealed class SaeCollectMergeCommand : Command<SaeCollectMergeCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--parts <DIR>")]
        [Description("The folder the 'sae collect --parts' workers wrote.")]
        public string Parts { get; init; } = "";

        [CommandOption("-o|--out <DIR>")]
        [Description("The cache folder to write (activations.parquet, cache.json).")]
        public string Out { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Parts))
            throw new InputException("--parts is required: the folder the 'sae collect' workers wrote");
        if (string.IsNullOrWhiteSpace(s.Out))
            throw new InputException("--out is required: the cache folder to write");
        using var cache = CliProgress.Run("sae collect-merge", s.Json, "parts", _ =>
            ActivationCollector.Merge(s.Parts, s.Out)
        );
        SaeCollectOutput.Cache("sae collect-merge", cache, s.Json);
        return 0;
    }
}
