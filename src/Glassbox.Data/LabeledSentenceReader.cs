using System.Globalization;
using System.Text;

namespace Glassbox.Data;

/// <summary>Reads and writes sentence-level labelled data: TSV with a header row (<c>sentence</c> or <c>text</c>, and
/// <c>label</c>; SST-2 style) and JSON Lines (<c>{"text"|"sentence": ..., "label": ...}</c>). Texts are trimmed.</summary>
public static class LabeledSentenceReader
{
    /// <summary>Reads a labelled file; <c>.jsonl</c>/<c>.json</c> files are JSON Lines, anything else TSV.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The sentences in file order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">No usable header, a wrong column count, malformed JSON, a missing key,
    /// an empty text or label, or no rows; the message names file and line.</exception>
    public static IReadOnlyList<LabeledSentence> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"file not found: {path}", path);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        var (rows, lines) = ext is ".jsonl" or ".json" ? ReadJsonl(path) : ReadTsv(path);
        if (rows.Count == 0)
            throw new DataFormatException(path, Math.Max(1, lines), "no sentences");
        return rows;
    }

    private static (List<LabeledSentence>, int) ReadJsonl(string path)
    {
        var rows = new List<LabeledSentence>();
        int last = 0;
        foreach (var r in JsonLines.Read(path))
        {
            last = r.Line;
            var text = r.Scalar("text", "sentence").Trim();
            var label = r.Scalar("label").Trim();
            if (text.Length == 0)
                throw r.Error("empty text");
            if (label.Length == 0)
                throw r.Error("empty label");
            rows.Add(new LabeledSentence(text, label));
        }
        return (rows, last);
    }

    private static (List<LabeledSentence>, int) ReadTsv(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var header = reader.ReadLine();
        if (header is null)
            throw new DataFormatException(path, 1, "no sentences (empty file)");
        var cols = header.Split('\t').Select(c => c.Trim().ToLowerInvariant()).ToArray();
        int textCol = Array.IndexOf(cols, "sentence");
        if (textCol < 0)
            textCol = Array.IndexOf(cols, "text");
        int labelCol = Array.IndexOf(cols, "label");
        if (textCol < 0 || labelCol < 0)
            throw new DataFormatException(
                path,
                1,
                $"header must name a 'sentence' or 'text' column and a 'label' column, found '{header.Replace("\t", "\\t", StringComparison.Ordinal)}'"
            );
        var rows = new List<LabeledSentence>();
        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0)
                continue;
            var f = line.Split('\t');
            if (f.Length != cols.Length)
                throw new DataFormatException(
                    path,
                    lineNo,
                    $"expected {cols.Length} tab-separated columns, found {f.Length}"
                );
            var text = f[textCol].Trim();
            var label = f[labelCol].Trim();
            if (text.Length == 0)
                throw new DataFormatException(path, lineNo, "empty text");
            if (label.Length == 0)
                throw new DataFormatException(path, lineNo, "empty label");
            rows.Add(new LabeledSentence(text, label));
        }
        return (rows, lineNo);
    }

    /// <summary>Writes sentences as TSV with the header <c>sentence&lt;TAB&gt;label</c> (UTF-8, LF), readable by <see cref="Read"/>.</summary>
    /// <param name="path">Output file (created or overwritten).</param>
    /// <param name="sentences">The sentences.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A text or label is empty or contains a tab or line break.</exception>
    public static void WriteTsv(string path, IEnumerable<LabeledSentence> sentences)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(sentences);
        var sb = new StringBuilder("sentence\tlabel\n");
        int i = 0;
        foreach (var s in sentences)
        {
            Check(s.Text, i, "text");
            Check(s.Label, i, "label");
            sb.Append(s.Text).Append('\t').Append(s.Label).Append('\n');
            i++;
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static void Check(string? value, int index, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"sentence {index}: empty {what}"),
                "sentences"
            );
        if (value.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"sentence {index}: {what} contains a tab or line break and cannot be written as TSV"
                ),
                "sentences"
            );
    }
}
