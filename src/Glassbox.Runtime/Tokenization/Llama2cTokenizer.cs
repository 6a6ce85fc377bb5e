using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Glassbox.Tokenization;

/// <summary>
/// The SentencePiece-style BPE tokenizer of llama2.c (<c>tokenizer.bin</c>): a dummy-prefix space, UTF-8 code points
/// looked up whole with byte fallback (<c>&lt;0xXX&gt;</c> = id byte+3), then greedy merging of the adjacent pair
/// whose concatenation has the highest score — exactly run.c's <c>encode</c>. BOS = 1, EOS = 2.
/// </summary>
public sealed class Llama2cTokenizer : ITokenizer
{
    private readonly byte[][] _pieces;
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _lookup; // piece bytes as Latin-1 string -> id

    /// <inheritdoc/>
    public int VocabSize => _pieces.Length;

    /// <inheritdoc/>
    public int? PadId => null;

    /// <inheritdoc/>
    public int? BosId => 1;

    /// <inheritdoc/>
    public int? EosId => 2;

    private Llama2cTokenizer(byte[][] pieces, float[] scores)
    {
        _pieces = pieces;
        _scores = scores;
        _lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Length; i++)
            _lookup.TryAdd(Encoding.Latin1.GetString(pieces[i]), i);
    }

    /// <summary>Reads <c>tokenizer.bin</c>: int32 max_token_length, then <paramref name="vocabSize"/> records of
    /// (float32 score, int32 length, bytes). The file must hold exactly that many records.</summary>
    /// <exception cref="ModelFormatException">Truncated file, bad lengths, wrong vocabulary size or trailing bytes.</exception>
    public static Llama2cTokenizer FromFile(string path, int vocabSize)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: tokenizer file not found");
        var b = File.ReadAllBytes(path);
        if (vocabSize <= 0)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: vocabulary size must be positive, got {vocabSize}"
                )
            );
        if (b.Length < 4)
            throw new ModelFormatException($"{path}: too short for a llama2.c tokenizer");
        int maxLen = BinaryPrimitives.ReadInt32LittleEndian(b);
        if (maxLen <= 0 || maxLen > 4096)
            throw new ModelFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{path}: max_token_length {maxLen} is out of range")
            );
        int at = 4;
        var pieces = new byte[vocabSize][];
        var scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            if (at + 8 > b.Length)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: truncated at token {i} of {vocabSize} (the model's vocabulary is {vocabSize})"
                    )
                );
            scores[i] = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at));
            int len = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 4));
            at += 8;
            if (len < 0 || len > maxLen || at + len > b.Length)
                throw new ModelFormatException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: token {i} has bad length {len} (max_token_length {maxLen}, {b.Length - at} bytes left)"
                    )
                );
            pieces[i] = b.AsSpan(at, len).ToArray();
            at += len;
        }
        if (at != b.Length)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: {b.Length - at} bytes left after {vocabSize} tokens; the tokenizer does not match the model's vocabulary size"
                )
            );
        return new Llama2cTokenizer(pieces, scores);
    }

    /// <summary>Writes the tokenizer in llama2.c's <c>tokenizer.bin</c> format (atomically).</summary>
    public void Save(string path) => AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Math.Max(1, _pieces.Max(p => p.Length)));
            for (int i = 0; i < _pieces.Length; i++)
            {
                w.Write(_scores[i]);
                w.Write(_pieces[i].Length);
                w.Write(_pieces[i]);
            }
        });

    /// <summary>Reads <c>tokenizer.bin</c>, taking as many records as the file holds.</summary>
    /// <exception cref="ModelFormatException">Malformed file.</exception>
    public static Llama2cTokenizer FromFile(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path}: tokenizer file not found");
        var b = File.ReadAllBytes(path);
        int at = 4,
            n = 0;
        while (at + 8 <= b.Length)
        {
            int len = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at + 4));
            if (len < 0 || len > b.Length - at - 8) // not at + 8 + len: a length near 2^31 overflows (AFL finding)
                break;
            at += 8 + len;
            n++;
        }
        return FromFile(path, n);
    }

    /// <inheritdoc/>
    public TokenizedText Encode(string text, bool addSpecialTokens = true)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var toks = new List<(int Id, int Start, int End)>(); // byte spans in the UTF-8 text
        if (text.Length > 0 && _lookup.TryGetValue(" ", out int space))
            toks.Add((space, 0, 0));
        for (int i = 0; i < bytes.Length; )
        {
            int n = Utf8Length(bytes[i]);
            if (i + n > bytes.Length)
                n = 1;
            var key = Encoding.Latin1.GetString(bytes, i, n);
            if (_lookup.TryGetValue(key, out int id))
                toks.Add((id, i, i + n));
            else
                for (int k = 0; k < n; k++)
                {
                    // Byte fallback: sentencepiece keeps byte b at id b + 3; a vocabulary without them cannot encode it.
                    if (bytes[i + k] + 3 >= _pieces.Length)
                        throw new InputException(
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"text byte 0x{bytes[i + k]:X2} has no token: this {_pieces.Length}-token llama2.c vocabulary lacks byte-fallback tokens"
                            )
                        );
                    toks.Add((bytes[i + k] + 3, i + k, i + k + 1));
                }
            i += n;
        }
        while (true)
        {
            float best = float.NegativeInfinity;
            int bestId = -1,
                bestAt = -1;
            for (int i = 0; i + 1 < toks.Count; i++)
            {
                var merged =
                    Encoding.Latin1.GetString(_pieces[toks[i].Id]) + Encoding.Latin1.GetString(_pieces[toks[i + 1].Id]);
                if (_lookup.TryGetValue(merged, out int id) && _scores[id] > best)
                {
                    best = _scores[id];
                    bestId = id;
                    bestAt = i;
                }
            }
            if (bestAt < 0)
                break;
            toks[bestAt] = (bestId, toks[bestAt].Start, toks[bestAt + 1].End);
            toks.RemoveAt(bestAt + 1);
        }
        var charAt = ByteToChar(text, bytes.Length);
        var ids = new List<int>(toks.Count + 1);
        var offsets = new List<(int, int)>(toks.Count + 1);
        if (addSpecialTokens)
        {
            ids.Add(1);
            offsets.Add((0, 0));
        }
        foreach (var t in toks)
        {
            ids.Add(t.Id);
            int s = charAt[t.Start],
                e = t.End > t.Start ? charAt[t.End - 1] + CharLen(text, charAt[t.End - 1]) : s;
            offsets.Add((s, Math.Max(0, e - s)));
        }
        return new TokenizedText(ids, offsets);
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids, bool keepSpecial = false)
    {
        var outBytes = new List<byte>();
        int prev = -1;
        foreach (int id in ids)
        {
            if (id < 0 || id >= _pieces.Length)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {id} is outside the tokenizer's vocabulary (0..{_pieces.Length - 1})"
                    )
                );
            if (!keepSpecial && (id == 1 || id == 2))
            {
                prev = id;
                continue;
            }
            var piece = _pieces[id];
            if (prev == 1 && piece.Length > 0 && piece[0] == (byte)' ')
                piece = piece[1..];
            if (TryByteToken(piece, out byte raw))
                outBytes.Add(raw);
            else
                outBytes.AddRange(piece);
            prev = id;
        }
        return Encoding.UTF8.GetString(outBytes.ToArray());
    }

    /// <inheritdoc/>
    public string TokenToString(int id) =>
        id < 0 || id >= _pieces.Length
            ? string.Create(CultureInfo.InvariantCulture, $"<{id}?>")
            : Encoding.UTF8.GetString(_pieces[id]);

    private static bool TryByteToken(byte[] p, out byte value)
    {
        value = 0;
        if (p.Length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>')
            return false;
        return byte.TryParse(
            Encoding.ASCII.GetString(p, 3, 2),
            System.Globalization.NumberStyles.HexNumber,
            null,
            out value
        );
    }

    private static int Utf8Length(byte lead) =>
        lead < 0x80 ? 1
        : (lead & 0xE0) == 0xC0 ? 2
        : (lead & 0xF0) == 0xE0 ? 3
        : (lead & 0xF8) == 0xF0 ? 4
        : 1;

    private static int CharLen(string s, int i) => i < s.Length && char.IsHighSurrogate(s[i]) ? 2 : 1;

    /// <summary>For each UTF-8 byte index, the index of the UTF-16 char it belongs to.</summary>
    internal static int[] ByteToChar(string text, int byteCount)
    {
        var map = new int[byteCount + 1];
        int b = 0;
        for (int c = 0; c < text.Length; c++)
        {
            int cp =
                char.IsHighSurrogate(text[c]) && c + 1 < text.Length
                    ? char.ConvertToUtf32(text[c], text[c + 1])
                    : text[c];
            int n =
                cp < 0x80 ? 1
                : cp < 0x800 ? 2
                : cp < 0x10000 ? 3
                : 4;
            for (int k = 0; k < n && b < byteCount; k++)
                map[b++] = c;
            if (cp >= 0x10000)
                c++;
        }
        map[byteCount] = text.Length;
        return map;
    }
}
