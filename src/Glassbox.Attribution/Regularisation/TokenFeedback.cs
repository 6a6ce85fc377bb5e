using Glassbox.Tokenization;

namespace Glassbox.Attribution.Regularisation;

/// <summary>What should and should not matter for one training text, per word: human or lexicon rationales (the
/// rationale words should matter) or XMD feedback (named words should / should not matter).</summary>
/// <param name="Words">The text's whitespace-separated words (the training row's text is these joined by spaces).</param>
/// <param name="ShouldMatter">Per word: its attribution should be high.</param>
/// <param name="ShouldNotMatter">Per word: its attribution should be near zero.</param>
public sealed record WordFeedback(
    IReadOnlyList<string> Words,
    IReadOnlyList<bool> ShouldMatter,
    IReadOnlyList<bool> ShouldNotMatter
)
{
    /// <summary>True when any word carries feedback.</summary>
    public bool Any => ShouldMatter.Any(x => x) || ShouldNotMatter.Any(x => x);

    /// <summary>Feedback from a rationale mask: the rationale words should matter.</summary>
    public static WordFeedback FromRationale(IReadOnlyList<string> words, IReadOnlyList<bool> mask) =>
        new(words, mask, new bool[words.Count]);

    /// <summary>Checks that the masks have one flag per word and no word is in both.</summary>
    /// <exception cref="InputException">The masks do not align with the words.</exception>
    public WordFeedback Validate(string source)
    {
        if (Words.Count == 0)
            throw new InputException($"{source}: a text with feedback has no words");
        if (ShouldMatter.Count != Words.Count || ShouldNotMatter.Count != Words.Count)
            throw new InputException(
                $"{source}: the rationale mask has {ShouldMatter.Count} flags but the text has {Words.Count} words"
            );
        for (int i = 0; i < Words.Count; i++)
            if (ShouldMatter[i] && ShouldNotMatter[i])
                throw new InputException($"{source}: word '{Words[i]}' is marked both to matter and not to matter");
        return this;
    }
}

/// <summary>A text tokenized with its feedback on tokens: ids (special tokens included) and per-token flags.</summary>
/// <param name="Ids">Token ids.</param>
/// <param name="Content">Per token: belongs to a word (false for [CLS], [SEP]).</param>
/// <param name="ShouldMatter">Per token: its word should matter.</param>
/// <param name="ShouldNotMatter">Per token: its word should not matter.</param>
public sealed record TokenFeedback(
    IReadOnlyList<int> Ids,
    IReadOnlyList<bool> Content,
    IReadOnlyList<bool> ShouldMatter,
    IReadOnlyList<bool> ShouldNotMatter
)
{
    /// <summary>True when a kept token carries feedback (truncation may cut all of it).</summary>
    public bool Any => ShouldMatter.Any(x => x) || ShouldNotMatter.Any(x => x);

    /// <summary>Tokenizes the words (cut to <paramref name="maxLength"/> tokens, keeping [SEP]) and moves each word's
    /// flags to its subword tokens.</summary>
    public static TokenFeedback Align(ITokenizer tokenizer, WordFeedback words, int maxLength)
    {
        var a = WordAlignment.Align(tokenizer, words.Words, maxLength);
        int n = a.Ids.Count;
        var content = new bool[n];
        var good = new bool[n];
        var bad = new bool[n];
        for (int w = 0; w < a.WordTokens.Count; w++)
            foreach (int t in a.WordTokens[w])
            {
                content[t] = true;
                good[t] |= words.ShouldMatter[w];
                bad[t] |= words.ShouldNotMatter[w];
            }
        return new TokenFeedback(a.Ids, content, good, bad);
    }
}
