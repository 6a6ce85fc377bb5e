using Glassbox.Loading;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Cli;

/// <summary>A tiny random GPT-2 with a word-level tokenizer, saved as a Hugging Face directory, so that every command
/// (text input included) runs on it in a second or two without the shared data.</summary>
internal static class TinyCliModel
{
    private static readonly string[] Vocab =
    {
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "the",
        "a",
        "to",
        "and",
        "she",
        "he",
        "they",
        "her",
        "his",
        ".",
        ",",
        "once",
        "upon",
        "time",
        "there",
        "was",
        "were",
        "is",
        "are",
        "little",
        "girl",
        "boy",
        "dog",
        "cat",
        "lily",
        "tom",
        "ben",
        "mom",
        "one",
        "day",
        "went",
        "home",
        "park",
        "play",
        "happy",
        "sad",
        "in",
        "on",
        "at",
        "had",
        "friend",
    };

    /// <summary>Writes the model (config.json, model.safetensors, vocab.txt) to <paramref name="dir"/> once and returns it.</summary>
    public static string Write(string dir)
    {
        if (File.Exists(Path.Combine(dir, "config.json")))
            return dir;
        var c = TinyModels.Gpt2 with { DVocab = Vocab.Length, NCtx = 64 }; // explain's head detectors need 1 + 2 × 20 positions
        HfExporter.Export(c, TinyModels.RandomWeights(c), dir);
        WordPieceTokenizer.FromVocab(Vocab).Save(dir);
        return dir;
    }
}
