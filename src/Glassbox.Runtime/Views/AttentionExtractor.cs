using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Views;

/// <summary>Runs a model over inputs in padded batches and keeps every head's attention pattern per input, with the
/// padding cut away.</summary>
public static class AttentionExtractor
{
    /// <summary>Extracts the patterns of every layer and head for each input, in input order. Inputs are batched by
    /// similar length (right padding; padded keys get zero weight, padded queries are dropped).</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputs">Token roles (ids) of each input; each within the model's context.</param>
    /// <param name="batchSize">Inputs per forward pass.</param>
    /// <param name="progress">Called with the number of inputs done so far.</param>
    /// <exception cref="InputException">An input is empty or too long.</exception>
    public static IReadOnlyList<SentenceAttention> Extract(
        HookedTransformer model,
        IReadOnlyList<TokenRoles> inputs,
        int batchSize = 16,
        Action<int>? progress = null
    )
    {
        if (batchSize < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"batch size must be at least 1, got {batchSize}")
            );
        var c = model.Config;
        var result = new SentenceAttention[inputs.Count];
        var order = Enumerable.Range(0, inputs.Count).OrderBy(i => inputs[i].Length).ToArray();
        int pad = model.Tokenizer?.PadId ?? c.PadTokenId ?? 0;
        int done = 0;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            var idx = order.Skip(start).Take(batchSize).ToArray();
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                idx.Select(i => inputs[i].Ids).ToList(),
                pad,
                PaddingSide.Right,
                device: model.Device
            );
            using var run = model.RunWithCache(batch, HookFilter.Of(HookPoints.AttnPattern));
            int p = batch.Length;
            var perLayer = new float[c.NLayers][];
            for (int l = 0; l < c.NLayers; l++)
                perLayer[l] = run.Cache[HookPoints.AttnPattern.Name(l)]
                    .to(ScalarType.Float32)
                    .cpu()
                    .contiguous()
                    .data<float>()
                    .ToArray(); // [batch, head, q, k]
            for (int b = 0; b < idx.Length; b++)
            {
                int n = inputs[idx[b]].Length;
                var flat = new float[c.NLayers * c.NHeads * n * n];
                for (int l = 0; l < c.NLayers; l++)
                for (int h = 0; h < c.NHeads; h++)
                {
                    int src = ((b * c.NHeads + h) * p) * p,
                        dst = (l * c.NHeads + h) * n * n;
                    for (int q = 0; q < n; q++)
                        Array.Copy(perLayer[l], src + q * p, flat, dst + q * n, n);
                }
                result[idx[b]] = new SentenceAttention(c.NLayers, c.NHeads, flat, inputs[idx[b]]);
            }
            done += idx.Length;
            progress?.Invoke(done);
        }
        return result;
    }
}
