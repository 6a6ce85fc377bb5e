using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Neurons.Store;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>Tiny byte-level GPT-2 models and generated corpora for the activation store tests, and a naive
/// recomputation of what the store should hold.</summary>
internal static class StoreTestData
{
    /// <summary>Harvest settings of the tiny stores that the store fuzz and check tests write (same settings, same bytes).</summary>
    public static HarvestOptions Options =>
        new()
        {
            TopK = 3,
            ShardDocuments = 3,
            Bins = 4,
            CalibrationDocuments = 3,
            Samples = 10,
            Seed = 1,
        };

    private static readonly string[] Words =
    {
        "the",
        "dog",
        "cat",
        "ran",
        "home",
        "and",
        "a",
        "big",
        "red",
        "ball",
        "Lily",
        "saw",
        "sun",
        "happy",
    };

    /// <summary>Config of the tiny model: 257 byte tokens (no merges), context 40 so long documents are cut.</summary>
    public static ModelConfig Config => TinyModels.Gpt2 with { DVocab = 257, NCtx = 40 };

    /// <summary>The byte-level tokenizer (256 bytes and &lt;|endoftext|&gt;).</summary>
    public static ByteLevelBpeTokenizer Tokenizer()
    {
        var bytes = ByteLevelBpeTokenizer.ByteToUnicode();
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => bytes[b].ToString(), b => b);
        vocab["<|endoftext|>"] = 256;
        return new ByteLevelBpeTokenizer(vocab, Array.Empty<(string, string)>());
    }

    /// <summary>A tiny random model; <paramref name="seed"/> picks the weights.</summary>
    public static HookedTransformer Model(int seed = 0) =>
        HookedTransformer.Create(Config, TinyModels.RandomWeights(Config, seed), Tokenizer(), "tiny-bytes");

    /// <summary>Writes the model as a Hugging Face directory (for the CLI) and returns it.</summary>
    public static string ModelDir(string dir, int seed = 0)
    {
        if (!File.Exists(Path.Combine(dir, "config.json")))
        {
            Directory.CreateDirectory(dir);
            HfExporter.Export(Config, TinyModels.RandomWeights(Config, seed), dir);
            Tokenizer().Save(dir);
        }
        return dir;
    }

    /// <summary>Seeded random documents of 2..12 words.</summary>
    public static List<string> Documents(int n, int seed = 0)
    {
        var rng = new Random(seed);
        return Enumerable
            .Range(0, n)
            .Select(_ =>
                string.Join(' ', Enumerable.Range(0, rng.Next(2, 13)).Select(_ => Words[rng.Next(Words.Length)]))
            )
            .ToList();
    }

    /// <summary>Writes documents separated by &lt;|endoftext|&gt; lines.</summary>
    public static string Corpus(string dir, IEnumerable<string> docs, string name = "corpus.txt")
    {
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, docs.SelectMany(d => new[] { d, "<|endoftext|>" }));
        return path;
    }

    /// <summary>The CLI arguments of <c>neurons harvest</c> of <paramref name="model"/> over <paramref name="corpus"/>
    /// into <paramref name="store"/>, then <paramref name="extra"/>.</summary>
    public static string[] HarvestArgs(string model, string corpus, string store, params string[] extra) =>
        new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--store", store }.Concat(extra).ToArray();

    /// <summary>One document's activations at a hook, computed alone (batch of one): [pos, units] as rows.</summary>
    public static float[][] Activations(HookedTransformer m, string text, string hook)
    {
        using var scope = NewDisposeScope();
        var ids = m.Tokenizer!.Encode(text, true).Ids.Take(m.Config.NCtx).ToList();
        using var batch = TokenBatch.Single(ids);
        using var run = m.RunWithCache(batch, n => n == hook);
        var t = run.Cache[hook][0].contiguous(); // [pos, units]
        int pos = (int)t.shape[0],
            units = (int)t.shape[1];
        var flat = t.data<float>().ToArray();
        return Enumerable.Range(0, pos).Select(p => flat[(p * units)..((p + 1) * units)]).ToArray();
    }

    /// <summary>Every row of a table (all columns as invariant text, shard timings and timestamps left out),
    /// sorted, for row-for-row comparisons.</summary>
    public static List<string> Rows(ActivationStore store, string table)
    {
        string cols = table switch
        {
            "shards" => "shard, first_doc, docs, tokens, truncated",
            "manifest" => "key, CASE WHEN key IN ('created_utc') THEN '' ELSE value END",
            _ => "*",
        };
        return store
            .Query($"SELECT {cols} FROM {table}")
            .Select(r => string.Join("|", r.Select(Text)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string Text(object? v) =>
        v switch
        {
            null => "null",
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            System.Collections.IEnumerable e and not string => "["
                + string.Join(",", e.Cast<object?>().Select(Text))
                + "]",
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => v.ToString() ?? "",
        };

    /// <summary>The default hooks of the tiny model.</summary>
    public static string[] MlpHooks => new[] { HookPoints.MlpPost.Name(0), HookPoints.MlpPost.Name(1) };
}
