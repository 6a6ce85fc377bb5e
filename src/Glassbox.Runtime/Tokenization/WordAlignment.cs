using System.Globalization;

namespace Glassbox.Tokenization;

/// <summary>How a word's vector is made from its subword tokens.</summary>
public enum Pooling
{
    /// <summary>The first subword (as in most BERT probing work).</summary>
    First,

    /// <summary>The last subword (natural for causal LMs: it has seen the whole word).</summary>
    Last,

    /// <summary>The mean over the word's subwords.</summary>
    Mean,
}

/// <summary>A pre-split sentence encoded by a tokenizer: token ids and, for each word, the indices of its tokens.</summary>
/// <param name="Ids">Token ids (special tokens included).</param>
/// <param name="WordTokens">For each word, its token indices into <paramref name="Ids"/> (never empty unless the word was
/// cut off by truncation, in which case <see cref="Truncated"/> is true and the word has no tokens).</param>
/// <param name="Truncated">Whether the sentence was cut to fit the model's context.</param>
public sealed record AlignedSentence(IReadOnlyList<int> Ids, IReadOnlyList<int[]> WordTokens, bool Truncated);

/// <summary>Maps words to subword tokens through the tokenizer's character offsets. Words are joined with single
/// spaces; a token belongs to the word of its first non-space character.</summary>
public static class WordAlignment
{
    /// <summary>Aligns one sentence. Sentences longer than <paramref name="maxTokens"/> are truncated (the words
    /// that no longer fit get no tokens) rather than failing.</summary>
    /// <exception cref="InputException">A word is empty.</exception>
    public static AlignedSentence Align(ITokenizer tokenizer, IReadOnlyList<string> words, int maxTokens)
    {
        var owner = new List<int>();
        var sb = new System.Text.StringBuilder();
        for (int w = 0; w < words.Count; w++)
        {
            if (string.IsNullOrEmpty(words[w]))
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"word {w} of the sentence is empty")
                );
            if (w > 0)
            {
                sb.Append(' ');
                owner.Add(-1);
            }
            sb.Append(words[w]);
            for (int i = 0; i < words[w].Length; i++)
                owner.Add(w);
        }
        var text = sb.ToString();
        var enc = tokenizer.Encode(text);
        var ids = enc.Ids.ToList();
        bool truncated = false;
        if (ids.Count > maxTokens)
        {
            // Keep the final special token (e.g. [SEP]) if the encoding ends with one.
            bool keepLast = tokenizer.EosId is int eos && ids[^1] == eos;
            var kept = ids.Take(maxTokens - (keepLast ? 1 : 0)).ToList();
            if (keepLast)
                kept.Add(ids[^1]);
            ids = kept;
            truncated = true;
        }
        var perWord = Enumerable.Range(0, words.Count).Select(_ => new List<int>()).ToArray();
        int limit = truncated ? ids.Count - (tokenizer.EosId is int e2 && ids[^1] == e2 ? 1 : 0) : ids.Count;
        for (int t = 0; t < limit; t++)
        {
            var (start, len) = enc.Offsets[t];
            for (int c = start; c < start + len && c < owner.Count; c++)
            {
                if (owner[c] < 0)
                    continue;
                perWord[owner[c]].Add(t);
                break;
            }
        }
        if (!truncated && perWord.Any(p => p.Count == 0))
        {
            // A word without tokens (e.g. made only of characters the tokenizer drops): give it its neighbour's
            // nearest token so every word has a vector.
            for (int w = 0; w < perWord.Length; w++)
                if (perWord[w].Count == 0)
                {
                    int near = Enumerable
                        .Range(0, perWord.Length)
                        .Where(x => perWord[x].Count > 0)
                        .OrderBy(x => Math.Abs(x - w))
                        .FirstOrDefault(-1);
                    if (near >= 0)
                        perWord[w].Add(perWord[near][0]);
                }
        }
        return new AlignedSentence(ids, perWord.Select(p => p.ToArray()).ToArray(), truncated);
    }
}
