using System.ComponentModel;
using System.Globalization;
using Glassbox.Neurons.Store;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox neurons check</c>: read every value of an activation store in this process. Other commands
/// run it as a separate process before they open a store this machine has neither written nor checked, so that a
/// store which crashes DuckDB ends that process, not theirs.</summary>
public sealed class NeuronsCheckCommand : Command<NeuronsCheckCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--store <FILE>")]
        [Description("DuckDB store written by 'neurons harvest' or 'neurons merge'.")]
        public string Store { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Store))
            throw new InputException("--store is required: the activation store to read");
        var result = ActivationStore.Verify(s.Store);
        if (s.Json)
        {
            CliJson.Write("neurons check", result.Model, result);
            return 0;
        }
        var t = Show.Titled($"Read whole: store of {result.Model}", "table", "rows");
        foreach (var (table, rows) in result.Rows)
            t.Row(table, rows.ToString("N0", CultureInfo.InvariantCulture));
        Show.Write(t);
        return 0;
    }
}
