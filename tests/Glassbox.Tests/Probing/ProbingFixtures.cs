using Glassbox.Models;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

/// <summary>Tiny models with a tiny word-level tokenizer, for the text paths of the probing suite.</summary>
internal static class ProbingFixtures
{
    public static readonly string[] Vocab =
    {
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "the",
        "girl",
        "boy",
        "is",
        "are",
        "happy",
        "sad",
        "paris",
        "rome",
        "berlin",
        "capital",
        "of",
        "france",
        "italy",
        "germany",
        ".",
        "was",
        "born",
        "in",
    };

    public static WordPieceTokenizer Tokenizer() => WordPieceTokenizer.FromVocab(Vocab);

    public static int Id(string word) => Array.IndexOf(Vocab, word);

    /// <summary>A tiny Llama with the word tokenizer; <paramref name="unembed"/> replaces W_U [d_vocab, d_model].</summary>
    public static HookedTransformer Llama(int seed = 0, Tensor? unembed = null)
    {
        var c = TinyModels.Llama;
        var w = TinyModels.RandomWeights(c, seed);
        if (unembed is not null)
        {
            w["unembed.W_U"].Dispose();
            w["unembed.W_U"] = unembed;
        }
        return HookedTransformer.Create(c, w, Tokenizer(), name: "tiny-llama-words");
    }

    /// <summary>A tiny bidirectional BERT with a tied LM head and the word tokenizer.</summary>
    public static HookedTransformer MaskedLm(int seed = 0)
    {
        var c = TinyModels.Bert with { HasUnembed = true, TiedEmbeddings = true };
        return HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed), Tokenizer(), name: "tiny-mlm-words");
    }
}
