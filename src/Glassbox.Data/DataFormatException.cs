using System.Globalization;

namespace Glassbox.Data;

/// <summary>A data file (CoNLL-U, JSON Lines, TSV) is malformed. The message names the file and the 1-based line.</summary>
public sealed class DataFormatException : GlassboxException
{
    /// <summary>The file (or source name) that is malformed.</summary>
    public string FileName { get; }

    /// <summary>1-based line number of the problem, or 0 when it concerns the whole file.</summary>
    public int LineNumber { get; }

    /// <summary>Creates the exception; the message becomes <c>file:line: problem</c>.</summary>
    /// <param name="source">File path or source name.</param>
    /// <param name="line">1-based line (0 = the whole file).</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public DataFormatException(string source, int line, string problem, Exception? inner = null)
        : base(
            line > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{source}:{line}: {problem}")
                : $"{source}: {problem}",
            inner
        )
    {
        FileName = source;
        LineNumber = line;
    }
}
