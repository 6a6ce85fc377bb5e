namespace Glassbox.Data;

/// <summary>A data file is malformed; the message names the file and the 1-based line.</summary>
public sealed class DataFormatException : GlassboxException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Creates the exception for <paramref name="file"/>:<paramref name="line"/>.</summary>
    public static DataFormatException At(string file, int line, string problem) => new($"{file}:{line}: {problem}");
}
