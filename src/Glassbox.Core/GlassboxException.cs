using System.Globalization;
using System.Text;

namespace Glassbox;

/// <summary>Base class of every error Glassbox raises on purpose. The CLI maps it to exit code 2.</summary>
public class GlassboxException : Exception
{
    /// <summary>
    /// Creates the exception with a message that names the offending file, field or argument. The message is kept
    /// on one line: control characters (a line break quoted from a hostile input, say) are written as escapes.
    /// </summary>
    public GlassboxException(string message, Exception? inner = null)
        : base(OneLine(message), inner) { }

    /// <summary>The text with every control character and line separator written as an escape (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\uXXXX</c>).</summary>
    public static string OneLine(string text)
    {
        if (!text.Any(NeedsEscape))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            sb.Append(
                c switch
                {
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ when NeedsEscape(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                    _ => c.ToString(),
                }
            );
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}

/// <summary>A model or tensor file is malformed: bad header, bad offsets, wrong sizes, unknown dtype.</summary>
public sealed class ModelFormatException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public ModelFormatException(string message, Exception? inner = null)
        : base(message, inner) { }
}

/// <summary>A model configuration is missing a field, has an invalid value or names an unknown architecture.</summary>
public sealed class ConfigException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public ConfigException(string message, Exception? inner = null)
        : base(message, inner) { }
}

/// <summary>Weights do not match the model: missing, unexpected or misshapen tensors (all of them are named).</summary>
public sealed class WeightMismatchException : GlassboxException
{
    /// <summary>Every problem found, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Creates the exception from the list of problems.</summary>
    public WeightMismatchException(string source, IReadOnlyList<string> problems)
        : base(
            $"{source}: {problems.Count} weight problem(s): "
                + string.Join("; ", problems.Take(20))
                + (problems.Count > 20 ? "; ..." : "")
        ) => Problems = problems;
}

/// <summary>Model input is invalid: token id out of range, sequence longer than the context, no tokenizer.</summary>
public sealed class InputException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public InputException(string message, Exception? inner = null)
        : base(message, inner) { }
}

/// <summary>A hook name is unknown (the message suggests the closest valid name) or a hook misbehaved.</summary>
public sealed class HookException : GlassboxException
{
    /// <inheritdoc cref="GlassboxException(string, Exception?)"/>
    public HookException(string message, Exception? inner = null)
        : base(message, inner) { }
}
