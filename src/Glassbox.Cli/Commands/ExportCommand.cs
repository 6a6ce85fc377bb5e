using System.ComponentModel;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox export</c>: write a loaded model as a Hugging Face style directory.</summary>
public sealed class ExportCommand : Command<ExportCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Output directory (created if needed).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Out))
            throw new InputException("--out is required (a directory)");
        using var model = CliModel.Load(s);
        ModelExport.Export(model, s.Out);
        var files = Directory.EnumerateFiles(s.Out).Select(Path.GetFileName).Order().ToList();
        if (s.Json)
            CliJson.Write(
                "export",
                model.Name,
                new { dir = Path.GetFullPath(s.Out), files },
                RunManifest.For("export", model)
            );
        else
            Show.Markup($"Exported {model.Name} to [bold]{s.Out}[/]: {string.Join(", ", files)}");
        return 0;
    }
}
