using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Word vectors of many sentences at several hook points ("layers"), all float32 on the CPU.</summary>
/// <param name="LayerNames">Hook name of each layer (layer 0 = embeddings = <c>blocks.0.hook_resid_pre</c>).</param>
/// <param name="Layers">Per layer, [n_words, d_model] with one row per word of every sentence, in order.</param>
/// <param name="SentenceOf">Sentence index of each row.</param>
/// <param name="WordOf">Word index (within its sentence) of each row.</param>
/// <param name="TruncatedSentences">How many sentences were cut to fit the context (their cut words are absent).</param>
public sealed record WordRepresentations(
    IReadOnlyList<string> LayerNames,
    IReadOnlyList<Tensor> Layers,
    int[] SentenceOf,
    int[] WordOf,
    int TruncatedSentences
) : IDisposable
{
    /// <summary>Number of rows (words).</summary>
    public int Count => SentenceOf.Length;

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Layers)
            t.Dispose();
    }
}

/// <summary>Options for <see cref="RepresentationExtractor"/>.</summary>
public sealed record ExtractionOptions
{
    /// <summary>Subword pooling for words.</summary>
    public Pooling Pooling { get; init; } = Pooling.First;

    /// <summary>Sentences per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Hooks to read; default: embeddings and every block's residual output.</summary>
    public IReadOnlyList<string>? Hooks { get; init; }

    /// <summary>Hooks applied during extraction (e.g. head masking); extractions with interventions are never cached.</summary>
    public IReadOnlyList<Hooks.Hook>? Interventions { get; init; }

    /// <summary>Directory of the on-disk representation cache (<see cref="RepresentationCache"/>); null disables it.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Called after each batch with (sentences done, total).</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>Runs a model over pre-split sentences and pools subword activations into word vectors for every layer.</summary>
public static class RepresentationExtractor
{
    /// <summary>The default layer hooks: <c>blocks.0.hook_resid_pre</c> (embeddings) then each
    /// <c>blocks.{l}.hook_resid_post</c>.</summary>
    public static IReadOnlyList<string> DefaultHooks(ModelConfig c) =>
        new[] { HookName.ResidPre(0) }.Concat(Enumerable.Range(0, c.NLayers).Select(HookName.ResidPost)).ToArray();

    /// <summary>Extracts word vectors. Sentences too long for the context are truncated (counted in the result). With
    /// <see cref="ExtractionOptions.CacheDirectory"/> set, a previous extraction of the same model, sentences, hooks and
    /// pooling is read back from disk instead.</summary>
    /// <exception cref="InputException">No sentences, an empty sentence, or a model without tokenizer.</exception>
    public static WordRepresentations Words(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<string>> sentences,
        ExtractionOptions? options = null
    )
    {
        var o = options ?? new ExtractionOptions();
        if (sentences.Count == 0)
            throw new InputException("no sentences to extract representations from");
        var tok = model.Tokenizer
            ?? throw new InputException($"{model.Name} has no tokenizer; word-level probing needs one");
        var hooks = o.Hooks ?? DefaultHooks(model.Config);
        foreach (var h in hooks)
            HookName.Require(h, model.HookNames);
        if (o.BatchSize < 1)
            throw new InputException("batch size must be at least 1");
        for (int i = 0; i < sentences.Count; i++)
            if (sentences[i].Count == 0)
                throw new InputException(string.Create(CultureInfo.InvariantCulture, $"sentence {i} has no words"));
        var aligned = sentences.Select(s => WordAlignment.Align(tok, s, model.Config.NCtx)).ToArray();
        if (o.CacheDirectory is null || !RepresentationCache.IsCacheable(model) || o.Interventions is { Count: > 0 })
            return Extract(model, aligned, tok, hooks, o);
        var manifest = RepresentationCache.Manifest(model, sentences, aligned, hooks, o.Pooling);
        var path = RepresentationCache.PathFor(o.CacheDirectory, manifest);
        var cached = RepresentationCache.TryLoad(path, manifest);
        if (cached is not null)
        {
            o.Progress?.Invoke(sentences.Count, sentences.Count);
            return cached;
        }
        var reps = Extract(model, aligned, tok, hooks, o);
        RepresentationCache.Save(path, manifest, reps);
        return reps;
    }

    private static WordRepresentations Extract(
        HookedTransformer model,
        AlignedSentence[] aligned,
        Tokenization.ITokenizer tok,
        IReadOnlyList<string> hooks,
        ExtractionOptions o
    )
    {
        // Row layout: sentence by sentence, word by word, skipping words lost to truncation.
        var rowStart = new int[aligned.Length];
        var sentenceOf = new List<int>();
        var wordOf = new List<int>();
        for (int s = 0; s < aligned.Length; s++)
        {
            rowStart[s] = sentenceOf.Count;
            for (int w = 0; w < aligned[s].WordTokens.Count; w++)
                if (aligned[s].WordTokens[w].Length > 0)
                {
                    sentenceOf.Add(s);
                    wordOf.Add(w);
                }
        }
        int n = sentenceOf.Count;
        // Each hook's own width (d_model for the residual stream, d_mlp for MLP activations, ...): rows of
        // [batch*pos, width] must be cut at the hook's last axis, never at d_model.
        var widths = hooks.Select(h => Width(model.Config, h)).ToArray();
        var layers = widths.Select(d => zeros(n, d, ScalarType.Float32).DetachFromDisposeScope()).ToArray();
        var order = Enumerable.Range(0, aligned.Length).OrderBy(i => aligned[i].Ids.Count).ToArray();
        int pad = tok.PadId ?? model.Config.PadTokenId ?? 0,
            done = 0;
        var wanted = hooks.ToHashSet();
        for (int start = 0; start < order.Length; start += o.BatchSize)
        {
            var idx = order.Skip(start).Take(o.BatchSize).ToArray();
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                idx.Select(i => aligned[i].Ids).ToList(),
                pad,
                PaddingSide.Right,
                device: model.Device
            );
            using var run = model.Run(batch, o.Interventions ?? Array.Empty<Hooks.Hook>(), wanted.Contains);
            // Gather each word's subword rows (weights 1/k for mean pooling) and sum them into the word's row.
            var (tokenRows, wordRows, weights, globalRows) = PoolingPlan(
                idx,
                aligned,
                rowStart,
                batch.Length,
                o.Pooling
            );
            using var tokIdx = tensor(tokenRows);
            using var wordIdx = tensor(wordRows);
            using var w = tensor(weights).unsqueeze(1);
            using var rowIdx = tensor(globalRows);
            for (int h = 0; h < hooks.Count; h++)
            {
                var act = run.Cache[hooks[h]].to(ScalarType.Float32).cpu().reshape(-1, widths[h]); // [batch*pos, width]
                var pooled = zeros(globalRows.Length, widths[h])
                    .IndexAddInPlace(0, wordIdx, act.index_select(0, tokIdx) * w);
                layers[h].index_copy_(0, rowIdx, pooled);
            }
            done += idx.Length;
            o.Progress?.Invoke(done, order.Length);
        }
        return new WordRepresentations(
            hooks,
            layers,
            sentenceOf.ToArray(),
            wordOf.ToArray(),
            aligned.Count(a => a.Truncated)
        );
    }

    /// <summary>The last-axis width of a [batch, pos, width] hook.</summary>
    /// <exception cref="InputException">The hook is not of that shape (e.g. per-head or attention-map hooks).</exception>
    private static long Width(ModelConfig config, string hook)
    {
        var (point, _) = HookName.Parse(hook);
        var shape = point.ShapeFor(config, 1, 1);
        if (shape.Length != 3)
            throw new InputException(
                $"{hook} has shape {point.ShapeText}; word representations need a hook of shape [batch, pos, width]"
            );
        return shape[2];
    }

    private static (long[] TokenRows, long[] WordRows, float[] Weights, long[] GlobalRows) PoolingPlan(
        int[] idx,
        AlignedSentence[] aligned,
        int[] rowStart,
        int len,
        Pooling pooling
    )
    {
        var globalRows = new List<long>();
        var tokenRows = new List<long>();
        var wordRows = new List<long>();
        var weights = new List<float>();
        for (int b = 0; b < idx.Length; b++)
        {
            var a = aligned[idx[b]];
            int r = rowStart[idx[b]];
            foreach (var toks in a.WordTokens)
            {
                if (toks.Length == 0)
                    continue;
                int local = globalRows.Count;
                globalRows.Add(r++);
                int[] use = pooling switch
                {
                    Pooling.First => new[] { toks[0] },
                    Pooling.Last => new[] { toks[^1] },
                    _ => toks,
                };
                foreach (var t in use)
                {
                    tokenRows.Add((long)b * len + t);
                    wordRows.Add(local);
                    weights.Add(1f / use.Length);
                }
            }
        }
        return (tokenRows.ToArray(), wordRows.ToArray(), weights.ToArray(), globalRows.ToArray());
    }
}
