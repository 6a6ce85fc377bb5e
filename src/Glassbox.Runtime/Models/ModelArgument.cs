namespace Glassbox.Models;

/// <summary>The <c>--model</c> argument that loads a model again, for "Reproduce:" lines in reports.</summary>
public static class ModelArgument
{
    /// <summary>The model's name for embedded models, else the file or folder it was loaded from (quoted when it has
    /// spaces).</summary>
    public static string CliArgument(this HookedTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string arg = model.Source switch
        {
            null => model.Name,
            { Kind: "embedded" } => model.Name.StartsWith("all-MiniLM", StringComparison.Ordinal)
                ? "minilm"
                : model.Name,
            _ when string.Equals(model.Name, "stories260K", StringComparison.OrdinalIgnoreCase) => "stories260k", // the known name loads it with its tokenizer
            { Location: var loc } when loc.Length > 0 && (File.Exists(loc) || Directory.Exists(loc)) => loc,
            _ => model.Name,
        };
        return arg.Contains(' ', StringComparison.Ordinal) ? "\"" + arg + "\"" : arg;
    }
}
