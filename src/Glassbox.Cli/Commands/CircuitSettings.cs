using System.ComponentModel;
using Glassbox.Data;
using Glassbox.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options shared by the circuit commands (lens, dla, heads, circuits, neuron, ablate). The default model is stories260k.</summary>
public class CircuitSettings : ModelSettings
{
    /// <summary>Defaults the model to stories260k (a causal LM).</summary>
    public CircuitSettings() => Model = "stories260k";

    [CommandOption("--text <TEXT>")]
    [Description("Input text (tokenized with the model's tokenizer, BOS added).")]
    public string? Text { get; init; }

    [CommandOption("--token-ids <IDS>")]
    [Description("Input as token ids, e.g. 1,5,9.")]
    public string? TokenIds { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description("Write an HTML report (self-contained) to this file.")]
    public string? Out { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed for random sequences / resampling. Default 0.")]
    public int Seed { get; init; }
}

/// <summary>Helpers of the circuit commands: corpus reading and report writing.</summary>
internal static class CircuitCli
{
    /// <summary>Texts of a corpus file (stories separated by &lt;|endoftext|&gt; or blank-line-free lines), or the
    /// shared TinyStories sample when no file is given.</summary>
    public static (IEnumerable<string> Texts, string Path) Corpus(string? path, string argument)
    {
        string? file = path ?? SharedData.File("tinystories", "tinystories_sample.txt");
        if (file is null)
            throw new InputException($"{argument}: no corpus given and ../shared/data/tinystories is absent");
        if (!File.Exists(file))
            throw new InputException($"{argument}: file '{file}' does not exist");
        return (Read(file), file);
    }

    private static IEnumerable<string> Read(string file)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var line in File.ReadLines(file))
        {
            if (line.Trim() == "<|endoftext|>")
            {
                if (sb.Length > 0)
                    yield return sb.ToString().Trim();
                sb.Clear();
            }
            else
                sb.Append(line).Append('\n');
        }
        if (sb.ToString().Trim().Length > 0)
            yield return sb.ToString().Trim();
    }

    /// <summary>Saves a report and tells people where it went.</summary>
    public static void Save(Reports.HtmlReport report, string? path, bool json)
    {
        if (path is null)
            return;
        report.Save(path);
        if (!json)
            Show.Wrote(path);
    }

    /// <summary>Token texts of ids.</summary>
    public static List<string> Tokens(HookedTransformer m, IReadOnlyList<int> ids) =>
        ids.Select(i => Glassbox.Models.Unembedding.Text(m, i)).ToList();
}
