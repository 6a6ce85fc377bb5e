using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Glassbox.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE: the GPT-2 pre-tokenisation regex, bytes mapped to printable characters, then merges
/// applied by rank. Added (special) tokens such as <c>&lt;|endoftext|&gt;</c> are matched whole before BPE. Every
/// token keeps its character span in the original text. Like Hugging Face's GPT-2 tokenizer, no BOS is added.
/// </summary>
public sealed partial class ByteLevelBpeTokenizer : ITokenizer
{
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex PreTokenizer();

    private static readonly char[] ByteMap = ByteToUnicode();
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _byId;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly IReadOnlyList<(string A, string B)> _merges;
    private readonly Dictionary<string, int> _added;
    private readonly Dictionary<string, List<(string Sym, int Len)>> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<char, byte> _unicodeToByte;
    private readonly int? _eos;

    /// <inheritdoc/>
    public int VocabSize => _byId.Length;

    /// <inheritdoc/>
    public int? PadId => _eos;

    /// <inheritdoc/>
    public int? BosId => _eos;

    /// <inheritdoc/>
    public int? EosId => _eos;

    /// <summary>Builds a tokenizer from a vocabulary (token → id), ordered merges and added tokens (text → id).</summary>
    /// <exception cref="ModelFormatException">A merge names an unknown symbol or ids are not contiguous.</exception>
    public ByteLevelBpeTokenizer(
        IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string A, string B)> merges,
        IReadOnlyDictionary<string, int>? added = null
    )
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _added = new Dictionary<string, int>(added ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        foreach (var (k, v) in _added)
            _vocab.TryAdd(k, v);
        long n = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1L;
        if (n <= 0 || n > TokenizerJson.MaxId + 1L || _vocab.Values.Any(v => v < 0))
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"BPE vocabulary ids must lie in 0..{TokenizerJson.MaxId} and the vocabulary must not be empty (largest id {n - 1}, smallest {(_vocab.Count == 0 ? 0 : _vocab.Values.Min())})"
                )
            );
        _byId = new string[(int)n];
        foreach (var (k, v) in _vocab)
        {
            if (v < 0)
                throw new ModelFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"BPE vocabulary has negative id {v} for '{k}'")
                );
            _byId[v] = k;
        }
        _merges = merges.ToArray();
        _ranks = new Dictionary<(string, string), int>();
        for (int i = 0; i < merges.Count; i++)
            _ranks.TryAdd(merges[i], i);
        _unicodeToByte = new Dictionary<char, byte>();
        for (int b = 0; b < 256; b++)
            _unicodeToByte[ByteMap[b]] = (byte)b;
        _eos = _vocab.TryGetValue("<|endoftext|>", out int e) ? e : null;
    }

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> (added tokens go into the vocabulary) atomically.</summary>
    public void Save(string dir)
    {
        AtomicFile.WriteAllText(
            Path.Combine(dir, "vocab.json"),
            JsonSerializer.Serialize(_vocab.OrderBy(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value))
        );
        AtomicFile.WriteAllText(
            Path.Combine(dir, "merges.txt"),
            "#version: 0.2\n" + string.Concat(_merges.Select(m => m.A + " " + m.B + "\n"))
        );
    }

    /// <summary>Reads GPT-2 style <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    /// <exception cref="ModelFormatException">Malformed files.</exception>
    public static ByteLevelBpeTokenizer FromFiles(string vocabJson, string mergesTxt)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabJson))
                ?? throw new ModelFormatException($"{vocabJson}: empty");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{vocabJson}: not a JSON object of token → id: {e.Message}", e);
        }
        var merges = new List<(string, string)>();
        int line = 0;
        foreach (var raw in File.ReadLines(mergesTxt))
        {
            line++;
            if (raw.StartsWith("#version", StringComparison.Ordinal) || raw.Length == 0)
                continue;
            var parts = raw.Split(' ');
            if (parts.Length != 2)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{mergesTxt}:{line}: expected two symbols separated by a space"
                    )
                );
            merges.Add((parts[0], parts[1]));
        }
        try
        {
            return new ByteLevelBpeTokenizer(vocab, merges);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{vocabJson}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var charAt = Llama2cTokenizer.ByteToChar(text, bytes.Length);
        var ids = new List<int>();
        var offsets = new List<(int, int)>();
        int pos = 0;
        foreach (var (segment, start, addedId) in SplitAdded(text))
        {
            if (addedId is int a)
            {
                ids.Add(a);
                offsets.Add((start, segment.Length));
                continue;
            }
            foreach (Match m in PreTokenizer().Matches(segment))
            {
                int charStart = start + m.Index;
                int byteStart = Encoding.UTF8.GetByteCount(text.AsSpan(0, charStart));
                var mapped = new StringBuilder();
                foreach (var b in Encoding.UTF8.GetBytes(m.Value))
                    mapped.Append(ByteMap[b]);
                int off = byteStart;
                foreach (var (sym, len) in Bpe(mapped.ToString()))
                {
                    if (!_vocab.TryGetValue(sym, out int id))
                        throw new ModelFormatException($"BPE symbol '{sym}' is not in the vocabulary");
                    int s = charAt[off],
                        e = charAt[off + len - 1];
                    e += e < text.Length && char.IsHighSurrogate(text[e]) ? 2 : 1;
                    ids.Add(id);
                    offsets.Add((s, e - s));
                    off += len;
                }
            }
            pos = start + segment.Length;
        }
        return new TokenizedText(ids, offsets);
    }

    private IEnumerable<(string Segment, int Start, int? AddedId)> SplitAdded(string text)
    {
        if (_added.Count == 0)
        {
            yield return (text, 0, null);
            yield break;
        }
        int i = 0,
            last = 0;
        while (i < text.Length)
        {
            var hit = _added
                .Keys.Where(k => k.Length > 0 && string.CompareOrdinal(text, i, k, 0, k.Length) == 0)
                .MaxBy(k => k.Length);
            if (hit is null)
            {
                i++;
                continue;
            }
            if (i > last)
                yield return (text[last..i], last, null);
            yield return (hit, i, _added[hit]);
            i += hit.Length;
            last = i;
        }
        if (last < text.Length)
            yield return (text[last..], last, null);
    }

    /// <summary>Applies merges by rank to one pre-token (already byte-mapped); returns symbols with their byte lengths.</summary>
    private List<(string Sym, int Len)> Bpe(string word)
    {
        if (_cache.TryGetValue(word, out var cached))
            return cached;
        var syms = word.Select(c => (Sym: c.ToString(), Len: 1)).ToList();
        while (syms.Count > 1)
        {
            int best = int.MaxValue,
                at = -1;
            for (int i = 0; i + 1 < syms.Count; i++)
                if (_ranks.TryGetValue((syms[i].Sym, syms[i + 1].Sym), out int r) && r < best)
                {
                    best = r;
                    at = i;
                }
            if (at < 0)
                break;
            var (a, b) = (syms[at].Sym, syms[at + 1].Sym);
            var next = new List<(string, int)>(syms.Count);
            for (int i = 0; i < syms.Count; i++)
            {
                if (i + 1 < syms.Count && syms[i].Sym == a && syms[i + 1].Sym == b)
                {
                    next.Add((a + b, syms[i].Len + syms[i + 1].Len));
                    i++;
                }
                else
                    next.Add(syms[i]);
            }
            syms = next;
        }
        if (_cache.Count < 100_000)
            _cache[word] = syms;
        return syms;
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool keepSpecial = false)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (id < 0 || id >= _byId.Length || _byId[id] is null)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {id} is outside the vocabulary (0..{_byId.Length - 1})"
                    )
                );
            var t = _byId[id];
            if (_added.ContainsKey(t))
            {
                if (keepSpecial)
                    bytes.AddRange(Encoding.UTF8.GetBytes(t));
                continue;
            }
            foreach (char c in t)
                if (_unicodeToByte.TryGetValue(c, out byte b))
                    bytes.Add(b);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <inheritdoc/>
    public string TokenToString(int id) =>
        id >= 0 && id < _byId.Length && _byId[id] is not null
            ? (_added.ContainsKey(_byId[id]) ? _byId[id] : Decode(new[] { id }))
            : string.Create(CultureInfo.InvariantCulture, $"<{id}?>");

    /// <summary>GPT-2's printable character for each byte (printable Latin-1 bytes map to themselves, the rest to
    /// U+0100 onwards), as used in vocab.json and merges.txt.</summary>
    public static char[] ByteToUnicode()
    {
        var map = new char[256];
        var direct = new HashSet<int>();
        for (int b = '!'; b <= '~'; b++)
            direct.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++)
            direct.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++)
            direct.Add(b);
        int n = 0;
        for (int b = 0; b < 256; b++)
            map[b] = direct.Contains(b) ? (char)b : (char)(256 + n++);
        return map;
    }
}
