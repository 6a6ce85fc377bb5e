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
    )
    {
        var o = options ?? new GenerationOptions();
        if (!model.Config.Causal || !model.Config.HasUnembed)
            throw new InputException($"{model.Name} is not a causal language model; it cannot generate");
        if (prompt.Count == 0)
            throw new InputException("generation needs a non-empty prompt (at least BOS)");
        var ids = prompt.ToList();
        var rng = new System.Random(unchecked((int)o.Seed));
        int? stop = o.StopToken ?? model.Config.EosTokenId;
        for (int step = 0; step < o.MaxNewTokens && ids.Count < model.Config.NCtx; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.Single(ids, model.Device);
            var logits = model.Forward(batch)[0, -1].to(ScalarType.Float32).cpu(); // [d_vocab]
            int next = o.Temperature <= 0 ? (int)logits.argmax().item<long>() : Sample(logits, o, rng);
            ids.Add(next);
            o.Progress?.Invoke(step + 1, o.MaxNewTokens);
            if (stop == next)
                break;
        }
        return ids;
    }

    private static int Sample(Tensor logits, GenerationOptions o, System.Random rng)
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
