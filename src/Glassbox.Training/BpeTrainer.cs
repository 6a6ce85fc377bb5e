using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>
/// Trains a GPT-2 style byte-level BPE on a corpus: pre-tokenise with GPT-2's regex, map bytes to printable
/// characters, then repeatedly merge the most frequent adjacent pair (ties broken by the pair's text, so the result
/// is deterministic). The result is a <see cref="ByteLevelBpeTokenizer"/> whose vocab.json and merges.txt the loader
/// reads back: ids 0..255 are the bytes, then one id per merge, then <c>&lt;|endoftext|&gt;</c>.
/// </summary>
public static partial class BpeTrainer
{
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex PreTokenizer();

    /// <summary>Learns <paramref name="merges"/> merges from <paramref name="text"/> (fewer if no pair occurs twice).</summary>
    public static ByteLevelBpeTokenizer Train(string text, int merges)
    {
        if (merges < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--bpe-merges must be at least 0, got {merges}")
            );
        var map = ByteTokenizer.ByteToUnicode();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in text.Split(ByteTokenizer.EndOfText))
        foreach (Match m in PreTokenizer().Matches(doc))
        {
            var sb = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(m.Value))
                sb.Append(map[b]);
            var w = sb.ToString();
            counts[w] = counts.GetValueOrDefault(w) + 1;
        }
        var words = counts.Select(kv => (Syms: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value)).ToList();
        var learned = new List<(string, string)>();
        for (int n = 0; n < merges; n++)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (syms, count) in words)
                for (int i = 0; i + 1 < syms.Count; i++)
                {
                    var key = (syms[i], syms[i + 1]);
                    pairs[key] = pairs.GetValueOrDefault(key) + count;
                }
            if (pairs.Count == 0)
                break;
            var best = pairs
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1 + " " + kv.Key.Item2, StringComparer.Ordinal)
                .First();
            if (best.Value < 2)
                break;
            var (a, b) = best.Key;
            learned.Add((a, b));
            foreach (var (syms, _) in words)
                for (int i = 0; i + 1 < syms.Count; i++)
                    if (syms[i] == a && syms[i + 1] == b)
                    {
                        syms[i] = a + b;
                        syms.RemoveAt(i + 1);
                    }
        }
        return Build(learned);
    }

    /// <summary>The tokenizer with the given merges over the 256 byte symbols, plus <c>&lt;|endoftext|&gt;</c> last.</summary>
    public static ByteLevelBpeTokenizer Build(IReadOnlyList<(string A, string B)> merges)
    {
        var map = ByteTokenizer.ByteToUnicode();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
            vocab[map[b].ToString()] = b;
        foreach (var (a, b) in merges)
            vocab.TryAdd(a + b, vocab.Count);
        vocab[ByteTokenizer.EndOfText] = vocab.Count;
        return new ByteLevelBpeTokenizer(vocab, merges);
    }
}
