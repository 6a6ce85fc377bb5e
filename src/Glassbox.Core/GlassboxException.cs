namespace Glassbox;

/// <summary>Base class of every error Glassbox raises on purpose. The CLI maps it to exit code 2.</summary>
public class GlassboxException : Exception
{
    /// <summary>Creates the exception with a message that names the offending file, field or argument.</summary>
    public GlassboxException(string message, Exception? inner = null)
        : base(message, inner) { }
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
