using System.Text.Json;

namespace Glassbox.Tokenization;

/// <summary>Finds the tokenizer of a Hugging Face model directory.</summary>
public static class TokenizerFactory
{
    /// <summary>The tokenizer in <paramref name="dir"/>: <c>tokenizer.json</c> (BPE or WordPiece), else
    /// <c>vocab.json</c> + <c>merges.txt</c> (byte-level BPE), else <c>vocab.txt</c> (WordPiece, lower-casing from
    /// <c>tokenizer_config.json</c>'s <c>do_lower_case</c>, default true), else llama2.c's <c>tokenizer.bin</c>; null when there are no tokenizer files.</summary>
    /// <exception cref="ModelFormatException">A tokenizer file is malformed.</exception>
    public static ITokenizer? FromDirectory(string dir)
    {
        if (!Directory.Exists(dir))
            return null;
        string P(string f) => Path.Combine(dir, f);
        if (File.Exists(P("tokenizer.json")))
            return TokenizerJson.Load(P("tokenizer.json"));
        if (File.Exists(P("vocab.json")) && File.Exists(P("merges.txt")))
            return ByteLevelBpeTokenizer.FromFiles(P("vocab.json"), P("merges.txt"));
        if (File.Exists(P("vocab.txt")))
            return WordPieceTokenizer.FromFile(P("vocab.txt"), LowerCase(P("tokenizer_config.json")));
        if (File.Exists(P("tokenizer.bin")))
            return Llama2cTokenizer.FromFile(P("tokenizer.bin"));
        return null;
    }

    private static bool LowerCase(string configPath)
    {
        if (!File.Exists(configPath))
            return true;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            return !doc.RootElement.TryGetProperty("do_lower_case", out var v) || v.ValueKind != JsonValueKind.False;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{configPath}: not valid JSON: {e.Message}", e);
        }
    }
}
