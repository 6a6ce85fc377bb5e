using System.Globalization;
using System.Text;

namespace Glassbox.Tokenization;

/// <summary>
/// BERT's tokenizer: basic tokenization (clean control characters, split CJK characters, optional lower-casing and
/// accent stripping, split on whitespace and punctuation) followed by greedy longest-match-first WordPiece with
/// <c>##</c> continuations. Every token keeps its character span in the original text.
/// </summary>
public sealed class WordPieceTokenizer : ITokenizer
{
    private const int MaxCharsPerWord = 100;
    private readonly string[] _vocab;
    private readonly Dictionary<string, int> _ids;
    private readonly bool _lowercase;
    private readonly int _unk,
        _cls,
        _sep,
        _pad;

    /// <inheritdoc/>
    public int VocabSize => _vocab.Length;

    /// <summary>Whether text is lower-cased and accent-stripped before WordPiece.</summary>
    public bool LowerCase => _lowercase;

    /// <summary>Writes <c>vocab.txt</c> and <c>tokenizer_config.json</c> into <paramref name="dir"/> (atomically).</summary>
    public void Save(string dir)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", _vocab) + "\n");
        AtomicFile.WriteAllText(
            Path.Combine(dir, "tokenizer_config.json"),
            $"{{\"tokenizer_class\": \"BertTokenizer\", \"do_lower_case\": {(_lowercase ? "true" : "false")}}}\n"
        );
    }

    /// <inheritdoc/>
    public int? PadId => _pad;

    /// <inheritdoc/>
    public int? BosId => _cls;

    /// <inheritdoc/>
    public int? EosId => _sep;

    private WordPieceTokenizer(string[] vocab, bool lowercase)
    {
        _vocab = vocab;
        _lowercase = lowercase;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocab.Length; i++)
            _ids.TryAdd(vocab[i], i);
        int Need(string t) =>
            _ids.TryGetValue(t, out int id)
                ? id
                : throw new ModelFormatException($"WordPiece vocabulary has no {t} token");
        _unk = Need("[UNK]");
        _cls = Need("[CLS]");
        _sep = Need("[SEP]");
        _pad = Need("[PAD]");
    }

    /// <summary>Builds the tokenizer from vocabulary lines (one token per line, id = line number).</summary>
    /// <exception cref="ModelFormatException">The vocabulary lacks [UNK], [CLS], [SEP] or [PAD].</exception>
    public static WordPieceTokenizer FromVocab(IEnumerable<string> lines, bool lowercase = true)
    {
        var v = lines.Select(l => l.TrimEnd('\r')).ToList();
        if (v.Count > 0 && v[^1].Length == 0)
            v.RemoveAt(v.Count - 1);
        return new WordPieceTokenizer(v.ToArray(), lowercase);
    }

    /// <summary>Reads a <c>vocab.txt</c>.</summary>
    /// <exception cref="ModelFormatException">The file is missing or lacks the special tokens.</exception>
    public static WordPieceTokenizer FromFile(string vocabTxt, bool lowercase = true)
    {
        if (!File.Exists(vocabTxt))
            throw new ModelFormatException($"{vocabTxt}: vocabulary file not found");
        try
        {
            return FromVocab(File.ReadAllLines(vocabTxt), lowercase);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{vocabTxt}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        var offsets = new List<(int, int)>();
        if (addSpecialTokens)
        {
            ids.Add(_cls);
            offsets.Add((0, 0));
        }
        foreach (var word in BasicTokens(text))
            WordPiece(word, ids, offsets);
        if (addSpecialTokens)
        {
            ids.Add(_sep);
            offsets.Add((text.Length, 0));
        }
        return new TokenizedText(ids, offsets);
    }

    /// <summary>Normalised characters of one basic token with, for each, the index of the original char it came from
    /// and that char's length.</summary>
    private readonly record struct Word(string Text, int[] Origin, int[] OriginLen);

    private IEnumerable<Word> BasicTokens(string text)
    {
        var sb = new StringBuilder();
        var origin = new List<int>();
        var originLen = new List<int>();
        var words = new List<Word>();
        void Flush()
        {
            if (sb.Length > 0)
                words.Add(new Word(sb.ToString(), origin.ToArray(), originLen.ToArray()));
            sb.Clear();
            origin.Clear();
            originLen.Clear();
        }
        int i = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int at = i,
                len = rune.Utf16SequenceLength;
            i += len;
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
                continue;
            if (IsWhitespace(rune))
            {
                Flush();
                continue;
            }
            if (IsCjk(cp) || IsPunctuation(rune))
            {
                Flush();
                sb.Append(rune.ToString());
                origin.Add(at);
                originLen.Add(len);
                for (int k = 1; k < len; k++)
                {
                    origin.Add(at);
                    originLen.Add(len);
                }
                Flush();
                continue;
            }
            string norm = rune.ToString();
            if (_lowercase)
            {
                norm = norm.ToLowerInvariant().Normalize(NormalizationForm.FormD);
                var kept = new StringBuilder();
                foreach (char ch in norm)
                    if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark)
                        kept.Append(ch);
                norm = kept.ToString();
            }
            foreach (char ch in norm)
            {
                sb.Append(ch);
                origin.Add(at);
                originLen.Add(len);
            }
        }
        Flush();
        return words;
    }

    private void WordPiece(Word w, List<int> ids, List<(int, int)> offsets)
    {
        int start0 = w.Origin[0],
            end0 = w.Origin[^1] + w.OriginLen[^1];
        if (w.Text.Length > MaxCharsPerWord)
        {
            ids.Add(_unk);
            offsets.Add((start0, end0 - start0));
            return;
        }
        var pieces = new List<(int Id, int From, int To)>();
        int s = 0;
        while (s < w.Text.Length)
        {
            int e = w.Text.Length,
                found = -1;
            while (e > s)
            {
                var sub = (s > 0 ? "##" : "") + w.Text[s..e];
                if (_ids.TryGetValue(sub, out int id))
                {
                    found = id;
                    break;
                }
                e--;
            }
            if (found < 0)
            {
                ids.Add(_unk);
                offsets.Add((start0, end0 - start0));
                return;
            }
            pieces.Add((found, s, e));
            s = e;
        }
        foreach (var p in pieces)
        {
            int a = w.Origin[p.From],
                b = w.Origin[p.To - 1] + w.OriginLen[p.To - 1];
            ids.Add(p.Id);
            offsets.Add((a, b - a));
        }
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool keepSpecial = false)
    {
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if (id < 0 || id >= _vocab.Length)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {id} is outside the vocabulary (0..{_vocab.Length - 1})"
                    )
                );
            if (!keepSpecial && (id == _cls || id == _sep || id == _pad))
                continue;
            var t = _vocab[id];
            if (t.StartsWith("##", StringComparison.Ordinal))
                sb.Append(t, 2, t.Length - 2);
            else
            {
                if (sb.Length > 0)
                    sb.Append(' ');
                sb.Append(t);
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public string TokenToString(int id) =>
        id >= 0 && id < _vocab.Length ? _vocab[id] : string.Create(CultureInfo.InvariantCulture, $"<{id}?>");

    private static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r')
            return false;
        var c = Rune.GetUnicodeCategory(r);
        return c is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    private static bool IsPunctuation(Rune r)
    {
        int cp = r.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
            return true;
        return Rune.GetUnicodeCategory(r)
            is UnicodeCategory.ConnectorPunctuation
                or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation
                or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation;
    }

    private static bool IsCjk(int cp) =>
        cp
            is >= 0x4E00
                and <= 0x9FFF
                or >= 0x3400
                and <= 0x4DBF
                or >= 0x20000
                and <= 0x2A6DF
                or >= 0x2A700
                and <= 0x2B73F
                or >= 0x2B740
                and <= 0x2B81F
                or >= 0x2B820
                and <= 0x2CEAF
                or >= 0xF900
                and <= 0xFAFF
                or >= 0x2F800
                and <= 0x2FA1F;
}
