// Why our own code: the opinion lexicon of Hu and Liu (2004) is two plain word lists with ';' comment lines; a reader
// is a few lines (negative-words.txt is ISO-8859-1, not UTF-8, so it is read as Latin-1).
using System.Globalization;
using System.Text;

namespace Glassbox.Data;

/// <summary>Word lists used as <c>lex:</c> atoms.</summary>
public static class Lexicons
{
    /// <summary>Reads a word list: one lower-cased entry per line; lines starting with ';' or '#' and blank lines
    /// are skipped. Read as Latin-1 (a superset that never fails on the opinion lexicon's bytes).</summary>
    /// <exception cref="InputException">The file is missing or holds no words.</exception>
    public static IReadOnlySet<string> ReadWordList(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new InputException($"word list not found: {path}");
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path, Encoding.Latin1))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == ';' || line[0] == '#')
                continue;
            set.Add(line.ToLowerInvariant());
        }
        if (set.Count == 0)
            throw new InputException($"word list {path} holds no words");
        return set;
    }

    /// <summary>The opinion lexicon (Hu and Liu 2004) from a folder holding <c>positive-words.txt</c> and
    /// <c>negative-words.txt</c>, as lists <c>positive</c> and <c>negative</c>; null when the folder is null or
    /// lacks the files.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>>? OpinionLexicon(string? folder)
    {
        if (folder is null)
            return null;
        string pos = Path.Combine(folder, "positive-words.txt"),
            neg = Path.Combine(folder, "negative-words.txt");
        if (!File.Exists(pos) || !File.Exists(neg))
            return null;
        return new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
        {
            ["positive"] = ReadWordList(pos),
            ["negative"] = ReadWordList(neg),
        };
    }

    /// <summary>Describes lexicon sizes, e.g. <c>positive 2006, negative 4783</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, IReadOnlySet<string>>? lexicons) =>
        lexicons is null
            ? "none"
            : string.Join(
                ", ",
                lexicons.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.Count}"))
            );
}
