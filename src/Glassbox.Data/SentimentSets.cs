using System.Globalization;
using System.Text;

namespace Glassbox.Data;

/// <summary>A text whose words carry a rationale mask (the words a human, a lexicon or feedback marked as the reason
/// for the label).</summary>
/// <param name="Words">Whitespace-separated words of the text.</param>
/// <param name="Mask">One flag per word: inside a rationale.</param>
/// <param name="Label">Class name, e.g. "positive".</param>
/// <param name="Source">Where it came from, e.g. "posR_003.txt sentence 4".</param>
public sealed record RationaleText(IReadOnlyList<string> Words, IReadOnlyList<bool> Mask, string Label, string Source)
{
    /// <summary>The words joined by single spaces.</summary>
    public string Text => string.Join(' ', Words);
}

/// <summary>
/// Readers of the out-of-domain sentiment data in the shared folder: Kotzias et al.'s labelled sentences (no header,
/// <c>text TAB 0|1</c>), the IMDb contrast sets and counterfactually-augmented pairs (header <c>Sentiment TAB Text
/// [TAB batch_id]</c>, CSV-style quoting, <c>&lt;br /&gt;</c> kept), and Zaidan et al.'s annotator rationales
/// (<c>&lt;POS&gt; … &lt;/POS&gt;</c> tags inline). Labels come back as "negative"/"positive".
/// </summary>
public static class SentimentSets
{
    /// <summary>Reads a Kotzias et al. file (<c>amazon_cells_labelled.txt</c> etc.): every line <c>text TAB 0|1</c>.</summary>
    /// <exception cref="DataFormatException">A line without exactly one tab, a label other than 0/1, an empty text or
    /// no rows; the message names file and line.</exception>
    public static IReadOnlyList<LabeledSentence> ReadKotzias(string path)
    {
        var rows = new List<LabeledSentence>();
        int n = 0;
        foreach (var line in ReadLines(path))
        {
            n++;
            if (line.Length == 0)
                continue;
            var f = line.Split('\t');
            if (f.Length != 2)
                throw new DataFormatException(path, n, $"expected 'text<TAB>0|1', found {f.Length} columns");
            var label = f[1].Trim() switch
            {
                "0" => "negative",
                "1" => "positive",
                var x => throw new DataFormatException(path, n, $"label must be 0 or 1, got '{x}'"),
            };
            if (f[0].Trim().Length == 0)
                throw new DataFormatException(path, n, "empty text");
            rows.Add(new LabeledSentence(f[0].Trim(), label));
        }
        return rows.Count > 0 ? rows : throw new DataFormatException(path, 0, "no sentences");
    }

    /// <summary>Reads an IMDb TSV with a <c>Sentiment</c> and a <c>Text</c> column (contrast sets, CAD pairs):
    /// quote-wrapped texts are unquoted, HTML line breaks become spaces; the batch id (if any) is returned per row.</summary>
    /// <exception cref="DataFormatException">Missing columns, a wrong column count, a label other than
    /// Positive/Negative, an empty text or no rows.</exception>
    public static IReadOnlyList<(LabeledSentence Row, string? Pair)> ReadImdbTsv(string path)
    {
        var lines = ReadLines(path).ToList();
        if (lines.Count == 0)
            throw new DataFormatException(path, 1, "empty file");
        var cols = lines[0].Split('\t').Select(c => c.Trim().ToLowerInvariant()).ToArray();
        int label = Array.IndexOf(cols, "sentiment"),
            text = Array.IndexOf(cols, "text"),
            batch = Array.IndexOf(cols, "batch_id");
        if (label < 0 || text < 0)
            throw new DataFormatException(path, 1, "header must name a 'Sentiment' and a 'Text' column");
        var rows = new List<(LabeledSentence, string?)>();
        for (int i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var f = lines[i].Split('\t');
            if (f.Length != cols.Length)
                throw new DataFormatException(path, i + 1, $"expected {cols.Length} columns, found {f.Length}");
            var l = f[label].Trim().ToLowerInvariant();
            if (l is not ("positive" or "negative"))
                throw new DataFormatException(path, i + 1, $"Sentiment must be Positive or Negative, got '{f[label]}'");
            var t = Clean(Unquote(f[text].Trim()));
            if (t.Length == 0)
                throw new DataFormatException(path, i + 1, "empty text");
            rows.Add((new LabeledSentence(t, l), batch >= 0 ? f[batch].Trim() : null));
        }
        return rows.Count > 0 ? rows : throw new DataFormatException(path, 0, "no rows");
    }

    /// <summary>Reads one Zaidan et al. review: its words without the tags, and the mask of the words inside a
    /// <c>&lt;POS&gt;</c>/<c>&lt;NEG&gt;</c> span.</summary>
    /// <exception cref="DataFormatException">Nested, unbalanced or mismatched tags, or an empty review.</exception>
    public static RationaleText ReadZaidanReview(string path)
    {
        var name = Path.GetFileName(path);
        string label =
            name.StartsWith("pos", StringComparison.Ordinal) ? "positive"
            : name.StartsWith("neg", StringComparison.Ordinal) ? "negative"
            : throw new DataFormatException(path, 0, "file name must start with pos or neg (the label)");
        var words = new List<string>();
        var mask = new List<bool>();
        string? open = null;
        foreach (
            var w in File.ReadAllText(path, Encoding.UTF8).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
        )
        {
            if (w is "<POS>" or "<NEG>")
            {
                if (open is not null)
                    throw new DataFormatException(path, 1, $"{w} opened inside {open}");
                open = w;
            }
            else if (w is "</POS>" or "</NEG>")
            {
                if (open is null || open[1..] != w[2..])
                    throw new DataFormatException(path, 1, $"{w} closes {open ?? "nothing"}");
                open = null;
            }
            else
            {
                words.Add(w);
                mask.Add(open is not null);
            }
        }
        if (open is not null)
            throw new DataFormatException(path, 1, $"{open} is never closed");
        if (words.Count == 0)
            throw new DataFormatException(path, 1, "empty review");
        return new RationaleText(words, mask, label, name);
    }

    /// <summary>Splits a review into sentences at the words ".", "!" and "?" (the files are tokenised), keeping each
    /// word's mask.</summary>
    public static IEnumerable<RationaleText> Sentences(RationaleText review)
    {
        int start = 0,
            k = 0;
        for (int i = 0; i < review.Words.Count; i++)
        {
            bool end = review.Words[i] is "." or "!" or "?" || i == review.Words.Count - 1;
            if (!end)
                continue;
            int len = i + 1 - start;
            yield return new RationaleText(
                review.Words.Skip(start).Take(len).ToArray(),
                review.Mask.Skip(start).Take(len).ToArray(),
                review.Label,
                string.Create(CultureInfo.InvariantCulture, $"{review.Source} sentence {++k}")
            );
            start = i + 1;
        }
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : s;

    private static string Clean(string s) =>
        string.Join(
            ' ',
            s.Replace("<br />", " ", StringComparison.OrdinalIgnoreCase)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        );

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"file not found: {path}", path);
        return File.ReadLines(path, Encoding.UTF8);
    }
}
