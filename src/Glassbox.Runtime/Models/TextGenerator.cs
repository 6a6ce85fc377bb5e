using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Options for <see cref="TextGenerator.Generate"/>.</summary>
public sealed record GenerationOptions
{
    /// <summary>Number of new tokens.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Sampling temperature; 0 means greedy (argmax).</summary>
    public double Temperature { get; init; }

    /// <summary>Keep only the top-k logits when sampling (0 = all).</summary>
    public int TopK { get; init; }

    /// <summary>Seed of the sampler (runs with the same seed give the same text).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Stop when this token is produced (default: the model's EOS, if any).</summary>
    public int? StopToken { get; init; }

    /// <summary>Use a KV cache (default): each step runs only the new token. False reruns the whole sequence every
    /// step (the reference the cache is tested against).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>With the KV cache, decode small float32 CPU models with the managed decoder instead of libtorch
    /// (default true; same logits within 1e-4, several times faster where per-op dispatch dominates, see
    /// docs/benchmarks.md). Models it does not cover always run through libtorch.</summary>
    public bool ManagedDecoder { get; init; } = true;

    /// <summary>Called after each new token with (tokens generated, most to generate).</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>Autoregressive text generation for causal language models.</summary>
public static class TextGenerator
{
    /// <summary>Extends <paramref name="prompt"/> (ids, BOS included if the model wants one) and returns prompt +
    /// new tokens. Stops at the context length or the stop token.</summary>
    /// <exception cref="InputException">The model is not a causal LM or the prompt is empty/too long.</exception>
    public static IReadOnlyList<int> Generate(
        HookedTransformer model,
        IReadOnlyList<int> prompt,
        GenerationOptions? options = null
    ) => GenerateBatch(model, new[] { prompt }, options)[0];

    /// <summary>Extends several prompts at once (left-padded into one batch, each row exactly as if run alone) and
    /// returns each prompt + its new tokens. A row stops at its stop token; all stop when the padded batch reaches
    /// the context length (so a short prompt next to a long one may get fewer tokens than alone). Each row samples
    /// with its own generator seeded by <see cref="GenerationOptions.Seed"/>, as it would alone.</summary>
    /// <exception cref="InputException">The model is not a causal LM, there are no prompts, or a prompt is empty or
    /// too long.</exception>
    public static IReadOnlyList<IReadOnlyList<int>> GenerateBatch(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions? options = null
    )
    {
        var o = options ?? new GenerationOptions();
        if (!model.Config.Causal || !model.Config.HasUnembed)
            throw new InputException($"{model.Name} is not a causal language model; it cannot generate");
        if (prompts.Count == 0)
            throw new InputException("generation needs at least one prompt");
        if (prompts.Any(p => p.Count == 0))
            throw new InputException("generation needs a non-empty prompt (at least BOS)");
        int longest = prompts.Max(p => p.Count);
        if (longest > model.Config.NCtx)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the prompt has {longest} tokens but {model.Name} has a context of {model.Config.NCtx}"
                )
            );
        if (o.UseCache && o.ManagedDecoder && Decode.DecoderWeights.Unsupported(model) is null)
            return Decode.NativeGeneration.Run(model, prompts, o, longest);
        var ids = prompts.Select(p => p.ToList()).ToArray();
        var rngs = prompts.Select(_ => new System.Random(unchecked((int)o.Seed))).ToArray();
        var done = new bool[prompts.Count];
        int? stop = o.StopToken ?? model.Config.EosTokenId;
        int pad = model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;
        using var cache = o.UseCache ? model.NewCache(prompts.Count) : null;
        var feed = prompts; // tokens the cache has not seen yet
        for (int step = 0; step < o.MaxNewTokens && longest + step < model.Config.NCtx; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                cache is null ? ids : feed,
                pad,
                PaddingSide.Left,
                device: model.Device
            );
            var logits = cache is null ? model.Forward(batch) : Step(model, batch, cache); // [batch, pos, d_vocab]
            var last = logits.select(1, -1).to(ScalarType.Float32).cpu(); // [batch, d_vocab]
            var next = new IReadOnlyList<int>[prompts.Count];
            var greedy = o.Temperature <= 0 ? last.argmax(1).data<long>().ToArray() : null; // one read for the batch
            for (int r = 0; r < prompts.Count; r++)
            {
                int t = greedy is not null ? (int)greedy[r] : Sample(last[r], o, rngs[r]);
                next[r] = new[] { t };
                if (done[r])
                    continue;
                ids[r].Add(t);
                done[r] = stop == t;
            }
            feed = next;
            o.Progress?.Invoke(step + 1, o.MaxNewTokens);
            if (done.All(d => d))
                break;
        }
        return ids;
    }

    private static Tensor Step(HookedTransformer model, TokenBatch batch, KeyValueCache cache)
    {
        var run = model.RunCached(batch, cache);
        run.Cache.Dispose();
        return run.Output; // [batch, new_pos, d_vocab], owned by the caller's dispose scope
    }

    internal static int Sample(Tensor logits, GenerationOptions o, System.Random rng)
    {
        var scaled = logits.DivScalar(o.Temperature);
        if (o.TopK > 0 && o.TopK < scaled.shape[0])
        {
            var kth = scaled.topk(o.TopK).values[-1];
            scaled = scaled.MaskedFill(scaled < kth, double.NegativeInfinity);
        }
        var probs = scaled.softmax(0).data<float>().ToArray();
        double u = rng.NextDouble(),
            acc = 0;
        for (int i = 0; i < probs.Length; i++)
        {
            acc += probs[i];
            if (u < acc)
                return i;
        }
        return probs.Length - 1;
    }
}
