using System.Security.Cryptography;
using System.Text;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>
/// On-disk cache of extracted word representations, so that several probes (UPOS, XPOS, features, the structural probe,
/// a second run with other options) reuse one extraction. One safetensors file per (model, data, hooks, pooling): the
/// file name is a hash of all four, and its metadata is a manifest with the model's weight hash and the data hash,
/// which are checked again on load. Models without a stable identity (trained in memory) are never cached.
/// </summary>
public static class RepresentationCache
{
    private const string Format = "glassbox.word-representations.v1";

    /// <summary>Whether <paramref name="model"/> has an identity that makes a cache entry safe to reuse.</summary>
    public static bool IsCacheable(HookedTransformer model) =>
        model.Source?.Kind is "embedded" or "hf" or "llama2c" or "random";

    /// <summary>The manifest of an extraction: what the cache key is made of.</summary>
    /// <param name="model">The model.</param>
    /// <param name="sentences">The words of each sentence.</param>
    /// <param name="aligned">Their tokenisation (ids and word-to-token map): part of the key, so a different tokenizer
    /// never reuses an entry even when the weights are the same.</param>
    /// <param name="hooks">The hooks read.</param>
    /// <param name="pooling">Subword pooling.</param>
    public static IReadOnlyDictionary<string, string> Manifest(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<string>> sentences,
        IReadOnlyList<AlignedSentence> aligned,
        IReadOnlyList<string> hooks,
        Pooling pooling
    ) =>
        new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["glassbox"] = GlassboxRuntime.Version,
            ["model"] = model.Name,
            ["model_source"] = model.Source is { } s ? $"{s.Kind}:{s.Location}" : "none",
            ["model_sha256"] = ModelIdentity(model),
            ["data_sha256"] = DataHash(sentences),
            ["tokens_sha256"] = TokenHash(aligned),
            ["sentences"] = sentences.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["hooks"] = string.Join(",", hooks),
            ["pooling"] = pooling.ToString(),
            ["n_ctx"] = model.Config.NCtx.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>The cache file for a manifest inside <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, IReadOnlyDictionary<string, string> manifest)
    {
        var key = string.Join("\n", manifest.Where(kv => kv.Key != "model").Select(kv => kv.Key + "=" + kv.Value));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24];
        return System.IO.Path.Combine(directory, $"words-{hash}.safetensors");
    }

    /// <summary>Loads a cached extraction when one with exactly this manifest exists; null otherwise (a damaged or
    /// mismatching file counts as a miss and is rebuilt by the caller).</summary>
    public static WordRepresentations? TryLoad(string path, IReadOnlyDictionary<string, string> manifest)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var f = SafetensorsFile.Open(path);
            foreach (var (k, v) in manifest)
                if (k != "model" && (!f.Metadata.TryGetValue(k, out var got) || got != v))
                    return null;
            var hooks = manifest["hooks"].Split(',');
            var layers = hooks.Select(h => f.ReadTensor(h, ScalarType.Float32).DetachFromDisposeScope()).ToArray(); // [n_words, d_model] each
            using var sentenceOf = f.ReadTensor("sentence_of", ScalarType.Int32);
            using var wordOf = f.ReadTensor("word_of", ScalarType.Int32);
            int truncated = int.Parse(
                f.Metadata["truncated_sentences"],
                System.Globalization.CultureInfo.InvariantCulture
            );
            return new WordRepresentations(
                hooks,
                layers,
                sentenceOf.data<int>().ToArray(),
                wordOf.data<int>().ToArray(),
                truncated
            );
        }
        catch (Exception e)
            when (e is GlassboxException or IOException or FormatException or KeyNotFoundException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Writes an extraction (atomically: temp file + rename).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, string> manifest, WordRepresentations reps)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        using var scope = NewDisposeScope();
        var tensors = reps
            .LayerNames.Select((h, i) => (h, reps.Layers[i]))
            .Append(("sentence_of", tensor(reps.SentenceOf)))
            .Append(("word_of", tensor(reps.WordOf)));
        var meta = new Dictionary<string, string>(manifest)
        {
            ["truncated_sentences"] = reps.TruncatedSentences.ToString(
                System.Globalization.CultureInfo.InvariantCulture
            ),
        };
        SafetensorsWriter.Write(path, tensors, meta);
    }

    private static string ModelIdentity(HookedTransformer model)
    {
        var s = model.Source!;
        // Random models have no weight file: their seed and config define them.
        string id = s.Kind == "random" ? $"{s.Location}|{model.Config}" : s.Sha256;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    }

    private static string TokenHash(IReadOnlyList<AlignedSentence> aligned)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var a in aligned)
        {
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Ids.ToArray().AsSpan()));
            foreach (var w in a.WordTokens)
            {
                h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()));
                h.AppendData(new byte[] { 0xff });
            }
            h.AppendData(new byte[] { 0xfe });
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    private static string DataHash(IReadOnlyList<IReadOnlyList<string>> sentences)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var s in sentences)
        {
            foreach (var w in s)
            {
                h.AppendData(Encoding.UTF8.GetBytes(w));
                h.AppendData(new byte[] { 0x1f });
            }
            h.AppendData(new byte[] { 0x1e });
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
