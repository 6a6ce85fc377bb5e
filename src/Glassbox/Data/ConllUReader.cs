namespace Glassbox.Data;

/// <summary>
/// Reads CoNLL-U (Universal Dependencies): 10 tab-separated columns per word, comment lines, blank lines between
/// sentences. Multi-word token ranges (<c>1-2</c>) and empty nodes (<c>8.1</c>) are not syntactic words and are
/// skipped. Every sentence is checked: ids 1..n in order, heads in 0..n, at least one root, no cycles.
/// </summary>
public static class ConllUReader
{
    /// <summary>Reads a file.</summary>
    /// <exception cref="DataFormatException">A malformed line or tree (file and line named), or no sentences.</exception>
    public static IReadOnlyList<ConllSentence> Read(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found");
        using var r = new StreamReader(path);
        return Parse(r, path);
    }

    /// <summary>Parses CoNLL-U text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">A malformed line or tree, or no sentences.</exception>
    public static IReadOnlyList<ConllSentence> Parse(TextReader reader, string source)
    {
        var sentences = new List<ConllSentence>();
        var words = new List<ConllWord>();
        var wordLines = new List<int>();
        string? sentId = null, text = null;
        int lineNo = 0, first = 0;
        void Flush()
        {
            if (words.Count == 0) { sentId = null; text = null; return; }
            CheckTree(words, wordLines, source);
            sentences.Add(new ConllSentence(sentId, text ?? string.Join(' ', words.Select(w => w.Form)), words.ToArray(), first));
            words.Clear(); wordLines.Clear(); sentId = null; text = null;
        }
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || line.Trim().Length == 0) { Flush(); continue; }
            if (line[0] == '#')
            {
                if (line.StartsWith("# sent_id", StringComparison.Ordinal)) sentId = Value(line);
                else if (line.StartsWith("# text ", StringComparison.Ordinal) || line.StartsWith("# text=", StringComparison.Ordinal)) text = Value(line);
                continue;
            }
            var cols = line.Split('\t');
            if (cols.Length != 10) throw DataFormatException.At(source, lineNo, $"expected 10 tab-separated columns, found {cols.Length}");
            string id = cols[0];
            if (id.Contains('-') || id.Contains('.'))
            {
                if (!id.Split('-', '.').All(p => int.TryParse(p, out _))) throw DataFormatException.At(source, lineNo, $"bad word id '{id}'");
                continue;   // multi-word token or empty node
            }
            if (!int.TryParse(id, out int n)) throw DataFormatException.At(source, lineNo, $"word id '{id}' is not an integer");
            if (n != words.Count + 1) throw DataFormatException.At(source, lineNo, $"word id {n} out of order (expected {words.Count + 1})");
            if (!int.TryParse(cols[6], out int head) || head < 0) throw DataFormatException.At(source, lineNo, $"HEAD '{cols[6]}' is not a non-negative integer");
            if (words.Count == 0) first = lineNo;
            words.Add(new ConllWord(n, cols[1], cols[2], cols[3], cols[4], Feats(cols[5], source, lineNo), head, cols[7]));
            wordLines.Add(lineNo);
        }
        Flush();
        if (sentences.Count == 0) throw new DataFormatException($"{source}: no sentences");
        return sentences;
    }

    private static string Value(string comment)
    {
        int eq = comment.IndexOf('=');
        return eq < 0 ? "" : comment[(eq + 1)..].Trim();
    }

    private static IReadOnlyDictionary<string, string> Feats(string s, string source, int line)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (s == "_") return d;
        foreach (var kv in s.Split('|'))
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw DataFormatException.At(source, line, $"bad FEATS entry '{kv}'");
            d[kv[..eq]] = kv[(eq + 1)..];
        }
        return d;
    }

    private static void CheckTree(List<ConllWord> words, List<int> lines, string source)
    {
        int n = words.Count;
        for (int i = 0; i < n; i++)
            if (words[i].Head > n) throw DataFormatException.At(source, lines[i], $"HEAD {words[i].Head} is out of range 0..{n}");
        if (!words.Any(w => w.Head == 0)) throw DataFormatException.At(source, lines[0], "sentence has no root (no word with HEAD 0)");
        for (int i = 0; i < n; i++)
        {
            int steps = 0, at = i + 1;
            while (at != 0)
            {
                at = words[at - 1].Head;
                if (++steps > n) throw DataFormatException.At(source, lines[i], $"word {i + 1} is in a cycle of heads");
            }
        }
    }
}
