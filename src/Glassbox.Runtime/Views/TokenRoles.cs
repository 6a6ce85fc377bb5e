using Glassbox.Tokenization;

namespace Glassbox.Views;

/// <summary>What each token of one input is, for head statistics: punctuation flags, whether the first and last
/// tokens are special tokens added by the tokenizer ([CLS]/BOS, [SEP]/EOS), and optional segment ids (sentence
/// pairs). Also the token ids and, for parsed input, which tokens belong to which word.</summary>
/// <param name="Ids">Token ids, special tokens included.</param>
/// <param name="IsPunctuation">Per token: whether its text is made only of punctuation or symbol characters
/// (special tokens are never punctuation).</param>
/// <param name="FirstSpecial">Whether token 0 is a special token added by the tokenizer ([CLS], BOS).</param>
/// <param name="FinalSpecial">Whether the last token is a special token added by the tokenizer ([SEP]).</param>
/// <param name="Segments">Segment id per token (0/1 for sentence pairs), or null for a single segment.</param>
/// <param name="WordTokens">For parsed input: per word, its token indices (see <see cref="WordAlignment"/>); else null.</param>
public sealed record TokenRoles(
    IReadOnlyList<int> Ids,
    bool[] IsPunctuation,
    bool FirstSpecial,
    bool FinalSpecial,
    int[]? Segments = null,
    IReadOnlyList<int[]>? WordTokens = null
)
{
    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Count;

    /// <summary>Whether a piece of text is non-empty and made only of punctuation or symbol characters.</summary>
    public static bool IsPunctuationText(string s) =>
        s.Length > 0 && s.All(ch => char.IsPunctuation(ch) || char.IsSymbol(ch));

    /// <summary>Tokenizes raw text (special tokens added) and finds its roles from the character offsets: a token
    /// that covers no text is special; a token whose text is all punctuation is punctuation.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">Context size; longer inputs are cut (the final special token is then lost).</param>
    /// <exception cref="InputException">The text gives no tokens.</exception>
    public static TokenRoles FromText(ITokenizer tokenizer, string text, int maxTokens)
    {
        var enc = tokenizer.Encode(text);
        int n = Math.Min(enc.Count, maxTokens);
        if (n == 0)
            throw new InputException($"the text '{text}' gives no tokens");
        var punct = new bool[n];
        for (int t = 0; t < n; t++)
        {
            var (start, len) = enc.Offsets[t];
            punct[t] = len > 0 && start + len <= text.Length && IsPunctuationText(text.Substring(start, len).Trim());
        }
        bool first = enc.Offsets[0].Length == 0 && n > 1;
        bool final = n == enc.Count && n > 1 && enc.Offsets[n - 1].Length == 0;
        return new TokenRoles(enc.Ids.Take(n).ToArray(), punct, first, final);
    }

    /// <summary>Roles of a pre-split sentence aligned with <see cref="WordAlignment.Align"/>: tokens that belong to
    /// no word are special; tokens of a word made only of punctuation are punctuation.</summary>
    /// <param name="aligned">The aligned sentence.</param>
    /// <param name="words">The word forms given to the alignment.</param>
    public static TokenRoles FromAligned(AlignedSentence aligned, IReadOnlyList<string> words)
    {
        int n = aligned.Ids.Count;
        var owned = new bool[n];
        var punct = new bool[n];
        for (int w = 0; w < aligned.WordTokens.Count; w++)
            foreach (var t in aligned.WordTokens[w])
            {
                owned[t] = true;
                if (IsPunctuationText(words[w]))
                    punct[t] = true;
            }
        return new TokenRoles(aligned.Ids, punct, n > 1 && !owned[0], n > 1 && !owned[n - 1], null, aligned.WordTokens);
    }
}
