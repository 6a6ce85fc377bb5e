using Glassbox.Tokenization;

namespace Glassbox.Training;

/// <summary>A byte-level tokenizer (ids 0..255 are bytes, 256 is <c>&lt;|endoftext|&gt;</c>, used as BOS) built as a
/// <see cref="ByteLevelBpeTokenizer"/> without merges, so a trained model's directory gets vocab.json and merges.txt
/// that the loader reads back.</summary>
public static class ByteTokenizer
{
    /// <summary>The end-of-text token, also used as BOS.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>GPT-2's printable character for each byte (the same table <see cref="ByteLevelBpeTokenizer"/> uses).</summary>
    public static char[] ByteToUnicode()
    {
        var map = new char[256];
        var direct = new HashSet<int>();
        for (int b = '!'; b <= '~'; b++) direct.Add(b);
        for (int b = 0xA1; b <= 0xAC; b++) direct.Add(b);
        for (int b = 0xAE; b <= 0xFF; b++) direct.Add(b);
        int n = 0;
        for (int b = 0; b < 256; b++) map[b] = direct.Contains(b) ? (char)b : (char)(256 + n++);
        return map;
    }

    /// <summary>The 257-token byte-level tokenizer.</summary>
    public static ByteLevelBpeTokenizer Create() => BpeTrainer.Build(Array.Empty<(string, string)>());
}
