using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace Glassbox.Data;

/// <summary>Reads CoNLL-U treebanks (Universal Dependencies): 10 tab-separated columns per word,
/// <c># sent_id</c> / <c># text</c> comments, blank lines between sentences. Multi-word token ranges
/// (<c>1-2</c>) and empty nodes (<c>8.1</c>) are validated and skipped; only syntactic words are returned.
/// Every sentence is checked to be a tree: ids 1..n in order, heads in 0..n, at least one root, no cycles.</summary>
public static class ConllUReader
{
    private static readonly IReadOnlyDictionary<string, string> NoFeats = new ReadOnlyDictionary<string, string>(
        new Dictionary<string, string>()
    );

    /// <summary>Reads a CoNLL-U file.</summary>
    /// <param name="path">Path of the <c>.conllu</c> file.</param>
    /// <returns>The sentences in file order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is malformed or holds no sentences; the message names file and line.</exception>
    public static IReadOnlyList<ConllSentence> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"CoNLL-U file not found: {path}", path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, path);
    }

    /// <summary>Parses CoNLL-U text.</summary>
    /// <param name="reader">The text to read.</param>
    /// <param name="sourceName">Name used in error messages (usually the file path).</param>
    /// <returns>The sentences in order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DataFormatException">The text is malformed or holds no sentences; the message names source and line.</exception>
    public static IReadOnlyList<ConllSentence> Parse(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        var sentences = new List<ConllSentence>();
        var block = new SentenceBuilder(sourceName);
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (lineNo == 1 && line.Length > 0 && line[0] == '\uFEFF')
                line = line[1..];
            if (string.IsNullOrWhiteSpace(line))
            {
                if (block.Finish() is { } s)
                    sentences.Add(s);
                block = new SentenceBuilder(sourceName);
                continue;
            }
            if (line[0] == '#')
            {
                block.Comment(line);
                continue;
            }
            block.WordLine(line, lineNo);
        }
        if (block.Finish() is { } last)
            sentences.Add(last);
        if (sentences.Count == 0)
            throw new DataFormatException(
                sourceName,
                Math.Max(1, lineNo),
                "no sentences (empty file or comments only)"
            );
        return sentences;
    }

    /// <summary>Checks that a word list forms one dependency tree: ids 1..n in order, heads in 0..n,
    /// at least one root (head 0) and no cycle.</summary>
    /// <param name="words">The syntactic words.</param>
    /// <returns>Null when valid, else a description of the first problem and the index of the offending word (-1 = whole sentence).</returns>
    internal static (string Problem, int WordIndex)? ValidateTree(IReadOnlyList<ConllWord> words)
    {
        int n = words.Count;
        if (n == 0)
            return ("sentence has no words", -1);
        for (int i = 0; i < n; i++)
        {
            if (words[i].Id != i + 1)
                return (
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"word id {words[i].Id} out of order (expected {i + 1})"
                    ),
                    i
                );
            if (words[i].Head < 0 || words[i].Head > n)
                return (
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"HEAD {words[i].Head} out of range 0..{n} for word {i + 1} '{words[i].Form}'"
                    ),
                    i
                );
        }
        if (!words.Any(w => w.Head == 0))
            return ("no root: no word has HEAD 0", -1);
        var state = new byte[n + 1]; // 0 unvisited, 1 on the current path, 2 reaches the root
        var path = new List<int>();
        for (int start = 1; start <= n; start++)
        {
            path.Clear();
            int v = start;
            while (v != 0 && state[v] == 0)
            {
                state[v] = 1;
                path.Add(v);
                v = words[v - 1].Head;
            }
            if (v != 0 && state[v] == 1)
            {
                var cycle = new List<int> { v };
                for (int u = words[v - 1].Head; u != v; u = words[u - 1].Head)
                    cycle.Add(u);
                return (
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"cycle in the head graph through words {string.Join(" -> ", cycle)} -> {v}"
                    ),
                    v - 1
                );
            }
            foreach (var p in path)
                state[p] = 2;
        }
        return null;
    }

    private sealed class SentenceBuilder(string source)
    {
        private readonly List<ConllWord> _words = [];
        private readonly List<int> _lines = [];
        private string? _sentId;
        private string? _text;
        private int _firstLine;

        public void Comment(string line)
        {
            var body = line[1..].TrimStart();
            if (TryValue(body, "sent_id", out var id))
                _sentId = id;
            else if (TryValue(body, "text", out var text))
                _text = text;
        }

        private static bool TryValue(string body, string key, out string value)
        {
            value = "";
            if (!body.StartsWith(key, StringComparison.Ordinal))
                return false;
            var rest = body[key.Length..].TrimStart();
            if (rest.Length == 0 || rest[0] != '=')
                return false;
            value = rest[1..].Trim();
            return true;
        }

        public void WordLine(string line, int lineNo)
        {
            var cols = line.Split('\t');
            if (cols.Length != 10)
                throw new DataFormatException(
                    source,
                    lineNo,
                    $"expected 10 tab-separated columns, found {cols.Length}"
                );
            var id = cols[0];
            if (id.Contains('-', StringComparison.Ordinal))
            {
                var parts = id.Split('-');
                if (parts.Length != 2 || !IsInt(parts[0], out var a) || !IsInt(parts[1], out var b) || a < 1 || b < a)
                    throw new DataFormatException(source, lineNo, $"malformed multi-word token range '{id}'");
                return; // surface token only; its words follow
            }
            if (id.Contains('.', StringComparison.Ordinal))
            {
                var parts = id.Split('.');
                if (parts.Length != 2 || !IsInt(parts[0], out _) || !IsInt(parts[1], out var m) || m < 1)
                    throw new DataFormatException(source, lineNo, $"malformed empty-node id '{id}'");
                return; // empty node (enhanced graph only)
            }
            if (!IsInt(id, out var wordId))
                throw new DataFormatException(source, lineNo, $"non-integer word id '{id}'");
            if (wordId != _words.Count + 1)
                throw new DataFormatException(
                    source,
                    lineNo,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"word id {wordId} out of order (expected {_words.Count + 1})"
                    )
                );
            if (!IsInt(cols[6], out var head, allowNegative: true))
                throw new DataFormatException(
                    source,
                    lineNo,
                    string.Create(CultureInfo.InvariantCulture, $"non-integer HEAD '{cols[6]}' for word {wordId}")
                );
            if (head < 0)
                throw new DataFormatException(
                    source,
                    lineNo,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"HEAD {head} out of range (negative) for word {wordId}"
                    )
                );
            if (_words.Count == 0)
                _firstLine = lineNo;
            _words.Add(
                new ConllWord(wordId, cols[1], cols[2], cols[3], cols[4], ParseFeats(cols[5], lineNo), head, cols[7])
            );
            _lines.Add(lineNo);
        }

        private IReadOnlyDictionary<string, string> ParseFeats(string feats, int lineNo)
        {
            if (feats == "_" || feats.Length == 0)
                return NoFeats;
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var f in feats.Split('|'))
            {
                int eq = f.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || eq == f.Length - 1)
                    throw new DataFormatException(
                        source,
                        lineNo,
                        $"malformed feature '{f}' in FEATS '{feats}' (expected Name=Value)"
                    );
                var key = f[..eq];
                if (!d.TryAdd(key, f[(eq + 1)..]))
                    throw new DataFormatException(source, lineNo, $"duplicate feature '{key}' in FEATS '{feats}'");
            }
            return new ReadOnlyDictionary<string, string>(d);
        }

        private static bool IsInt(string s, out int value, bool allowNegative = false)
        {
            var style = allowNegative ? NumberStyles.AllowLeadingSign : NumberStyles.None;
            return int.TryParse(s, style, CultureInfo.InvariantCulture, out value);
        }

        public ConllSentence? Finish()
        {
            if (_words.Count == 0)
                return null; // comment-only block (e.g. trailing # newdoc)
            if (ValidateTree(_words) is { } problem)
            {
                int line = problem.WordIndex >= 0 ? _lines[problem.WordIndex] : _firstLine;
                throw new DataFormatException(
                    source,
                    line,
                    problem.Problem + (_sentId is null ? "" : $" (sent_id {_sentId})")
                );
            }
            var text = _text ?? string.Join(" ", _words.Select(w => w.Form));
            return new ConllSentence(_sentId, text, _words.ToArray(), _firstLine);
        }
    }
}
