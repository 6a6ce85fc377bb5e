using System.Globalization;
using Glassbox.Loading;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox models</c>: the known model names, and where the shared data is looked for and what was found.</summary>
public sealed class ModelsCommand : Command<OutputSettings>
{
    /// <summary>The <c>--json</c> answer.</summary>
    /// <param name="Models">Known model names.</param>
    /// <param name="Data">The shared data search.</param>
    public sealed record ModelsResult(IReadOnlyList<KnownModel> Models, DataReport Data);

    /// <summary>Where the shared data was looked for and what it holds.</summary>
    /// <param name="Variable">The environment variable that names the folder (and its value, or null when unset).</param>
    /// <param name="VariableValue">Its value, or null.</param>
    /// <param name="Searched">The places searched, in order.</param>
    /// <param name="Root">The folder used, or null.</param>
    /// <param name="DataSets">Its sub-folders (the data sets).</param>
    /// <param name="Stories260K">Whether the stories260K model (stories260K/stories260K.bin) is there.</param>
    public sealed record DataReport(
        string Variable,
        string? VariableValue,
        IReadOnlyList<DataSearchPlace> Searched,
        string? Root,
        IReadOnlyList<string> DataSets,
        bool Stories260K
    );

    public override int Execute(CommandContext context, OutputSettings settings, CancellationToken cancellationToken)
    {
        var rows = ModelLoader.KnownModels();
        var searched = SharedData.Search();
        var root = searched.Select(p => p.Found).FirstOrDefault(f => f is not null);
        var data = new DataReport(
            SharedData.Variable,
            Environment.GetEnvironmentVariable(SharedData.Variable) is { Length: > 0 } v ? v : null,
            searched,
            root,
            SharedData.DataSets(),
            SharedData.File("stories260K", "stories260K.bin") is not null
        );
        if (settings.Json)
        {
            CliJson.Write("models", null, new ModelsResult(rows, data));
            return 0;
        }
        var t = Show.Table("name", "family", "description", "available");
        foreach (var m in rows)
            t.Row(
                Show.Cell(m.Name + (m.IsDefault ? " (default)" : "")),
                Show.Cell(m.Family),
                Show.Cell(m.Description),
                m.Available ? Show.Styled("green", "yes") : Show.Styled("yellow", "no " + m.Location)
            );
        Show.Write(t);
        Show.Markup(
            $"Also accepted by --model: a Hugging Face directory (config.json + model.safetensors) or a llama2.c .bin with --tokenizer."
        );
        Show.Line();
        Show.Line(
            data.VariableValue is null
                ? $"Shared data ({SharedData.Variable} is not set; searched shared/data in these folders and their parents):"
                : $"Shared data ({SharedData.Variable} is set, so only it is used):"
        );
        foreach (var p in searched)
            if (p.Found is null)
                Show.Markup($"  {p.Source}: {p.Start} -> [yellow]nothing found[/]");
            else
                Show.Markup($"  {p.Source}: {p.Start} -> [green]{p.Found}[/]");
        if (root is null)
            Show.Markup(
                $"No data folder found: set {SharedData.Variable}=/path/to/shared/data for stories260k and the data-backed probes."
            );
        else
        {
            Show.Line(
                string.Create(CultureInfo.InvariantCulture, $"Using {root}: {data.DataSets.Count} data sets")
                    + (data.DataSets.Count > 0 ? " (" + string.Join(", ", data.DataSets) + ")" : "")
            );
            if (data.Stories260K)
                Show.Markup($"stories260K model: [green]found[/]");
            else
                Show.Markup($"stories260K model: [yellow]absent[/] (stories260K/stories260K.bin)");
        }
        return 0;
    }
}
