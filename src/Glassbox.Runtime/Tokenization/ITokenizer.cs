namespace Glassbox.Tokenization;

/// <summary>Text turned into token ids, with the character span of every token in the original text.</summary>
/// <param name="Ids">Token ids, special tokens included.</param>
/// <param name="Offsets">For each token, (start, length) in characters of the source text; special tokens and
/// tokens that cover no text have length 0.</param>
public sealed record TokenizedText(IReadOnlyList<int> Ids, IReadOnlyList<(int Start, int Length)> Offsets)
{
    /// <summary>Number of tokens.</summary>
    public int Count => Ids.Count;
}

/// <summary>A tokenizer that maps text to ids and back and keeps character offsets.</summary>
public interface ITokenizer
{
    /// <summary>Vocabulary size.</summary>
    int VocabSize { get; }

    /// <summary>Encodes text; <paramref name="addSpecialTokens"/> adds the model's usual specials (BOS, [CLS]/[SEP]).</summary>
    TokenizedText Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decodes ids back to text (special tokens dropped unless <paramref name="keepSpecial"/>).</summary>
    string Decode(IEnumerable<int> ids, bool keepSpecial = false);

    /// <summary>The printable form of one token, for tables and pictures.</summary>
    string TokenToString(int id);

    /// <summary>Padding id to use for batches, if the tokenizer defines one.</summary>
    int? PadId { get; }

    /// <summary>Beginning-of-sequence id ([CLS] for BERT), if any.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id ([SEP] for BERT), if any.</summary>
    int? EosId { get; }
}
