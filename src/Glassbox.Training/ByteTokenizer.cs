using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>A byte-level tokenizer (ids 0..255 are bytes, 256 is <c>&lt;|endoftext|&gt;</c>, used as BOS) built as a
/// <see cref="ByteLevelBpeTokenizer"/> without merges, so a trained model's directory gets vocab.json and merges.txt
/// that the loader reads back.</summary>
public static class ByteTokenizer
{
    /// <summary>The end-of-text token, also used as BOS.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>GPT-2's printable character for each byte (the table <see cref="ByteLevelBpeTokenizer"/> uses).</summary>
    public static char[] ByteToUnicode() => ByteLevelBpeTokenizer.ByteToUnicode();

    /// <summary>The 257-token byte-level tokenizer.</summary>
    public static ByteLevelBpeTokenizer Create() => BpeTrainer.Build(Array.Empty<(string, string)>());
}
