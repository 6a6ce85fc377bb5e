using Glassbox.Loading;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox models</c>: the known model names.</summary>
public sealed class ModelsCommand : Command<OutputSettings>
{
    public override int Execute(CommandContext context, OutputSettings settings, CancellationToken cancellationToken)
    {
        var rows = ModelLoader.KnownModels();
        if (settings.Json) { Console.WriteLine(ResultJson.Serialize(rows)); return 0; }
        var t = new Table().AddColumns("name", "family", "description", "available");
        foreach (var m in rows) t.AddRow(Markup.Escape(m.Name) + (m.IsDefault ? " [green](default)[/]" : ""), m.Family, Markup.Escape(m.Description), m.Available ? "[green]yes[/]" : "[yellow]no[/] " + Markup.Escape(m.Location));
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine("Also accepted by --model: a Hugging Face directory (config.json + model.safetensors) or a llama2.c .bin with --tokenizer.");
        return 0;
    }
}
