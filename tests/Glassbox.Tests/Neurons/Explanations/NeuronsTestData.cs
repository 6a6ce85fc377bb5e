using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Neurons;
using Glassbox.Neurons.Explanations;
using Glassbox.Tokenization;
using Microsoft.Extensions.AI;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>A tiny GPT-2 with a word-level tokenizer whose token embedding has known units: dimension 0 is 5 on
/// "dog" and 0 on every other token, dimension 1 is 5 on "cat" and 0 elsewhere (the other dimensions are random).
/// So <c>hook_embed:0</c> fires on exactly one known token, and a constructed corpus of random words exercises the
/// whole pipeline with a known answer.</summary>
internal static partial class NeuronsTestData
{
    public static readonly string[] Vocab =
    [
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
    ];

    /// <summary>The config of the model.</summary>
    public static ModelConfig Config => TinyModels.Gpt2 with { DVocab = Vocab.Length, NCtx = 64 };

    /// <summary>Weights with the two planted embedding units.</summary>
    public static Dictionary<string, Tensor> Weights()
    {
        var w = TinyModels.RandomWeights(Config, 11);
        var e = w["embed.W_E"]; // [d_vocab, d_model]
        using (no_grad())
        {
            e[.., 0].zero_();
            e[.., 1].zero_();
            e[Array.IndexOf(Vocab, "dog"), 0] = tensor(5f);
            e[Array.IndexOf(Vocab, "cat"), 1] = tensor(5f);
        }
        return w;
    }

    /// <summary>The model in memory.</summary>
    public static HookedTransformer Model() =>
        HookedTransformer.Create(Config, Weights(), WordPieceTokenizer.FromVocab(Vocab), name: "planted");

    /// <summary>The model saved as a Hugging Face directory (for CLI tests).</summary>
    public static string Save(string dir)
    {
        if (File.Exists(Path.Combine(dir, "config.json")))
            return dir;
        Directory.CreateDirectory(dir);
        HfExporter.Export(Config, Weights(), dir);
        WordPieceTokenizer.FromVocab(Vocab).Save(dir);
        return dir;
    }

    /// <summary>Unit <paramref name="index"/> of the token embedding.</summary>
    public static UnitRef Embed(int index) => new(HookPoints.Embed.Name(), index);

    /// <summary>Seeded texts of random words (no punctuation).</summary>
    public static List<string> Corpus(int texts = 60, int words = 24, int seed = 3)
    {
        var rng = new Random(seed);
        var pool = Vocab.Skip(5).Where(v => v is not "." and not ",").ToArray();
        return Enumerable
            .Range(0, texts)
            .Select(_ => string.Join(' ', Enumerable.Range(0, words).Select(_ => pool[rng.Next(pool.Length)])))
            .ToList();
    }

    /// <summary>The corpus written as a file (stories separated by &lt;|endoftext|&gt; lines).</summary>
    public static string CorpusFile(string dir)
    {
        var f = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(f, string.Join("\n<|endoftext|>\n", Corpus()));
        return f;
    }

    /// <summary>Excerpts of the planted units (and a random one) from the constructed corpus.</summary>
    public static ExcerptSet Excerpts(HookedTransformer m) =>
        ExcerptCollector.Collect(
            m,
            Corpus(),
            [Embed(0), Embed(1), Embed(2)],
            new ExcerptOptions(MaxTexts: 60, Window: 8, TopPerSplit: 5, RandomPerSplit: 5)
        );

    /// <summary>A good scripted LLM: explains a unit by its top token in the prompt ("the word 'dog'"), and
    /// simulates by putting 10 on tokens equal to the quoted word.</summary>
    public static string Good(IReadOnlyList<ChatMessage> messages, int call)
    {
        string system = messages[0].Text ?? "",
            user = messages[^1].Text ?? "";
        if (system == ChatExplainer.System)
        {
            var best = ActivationLine()
                .Matches(user)
                .Select(m =>
                    (Token: m.Groups[1].Value, Act: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                )
                .OrderByDescending(x => x.Act)
                .First();
            return " the word '" + best.Token + "'.";
        }
        var word = Regex.Match(user, "find the word '([^']*)'").Groups[1].Value;
        var tokens = TokenLine().Matches(user).Select(m => m.Groups[1].Value).ToList();
        return "{\"activations\": [" + string.Join(", ", tokens.Select(t => t == word ? "10" : "0")) + "]}";
    }

    [GeneratedRegex(@"(?m)^([^\t\n]+)\t(\d+)$")]
    private static partial Regex ActivationLine();

    [GeneratedRegex(@"(?m)^\d+\t'([^']*)'$")]
    private static partial Regex TokenLine();
}

/// <summary>An <see cref="IChatClient"/> that answers from a script (or throws from it) and counts calls; no network.</summary>
/// <param name="reply">The reply to (messages, call number from 1); may throw.</param>
internal sealed class ScriptedChatClient(Func<IReadOnlyList<ChatMessage>, int, string> reply) : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        int n = Interlocked.Increment(ref _calls);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(messages.ToList(), n))));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default
    ) => throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}
