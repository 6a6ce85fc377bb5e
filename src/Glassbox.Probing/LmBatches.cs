using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Runs many token sequences through a language model in length-sorted, right-padded batches and hands
/// each batch's log-probabilities [batch, pos, d_vocab] to a callback inside a dispose scope.</summary>
internal static class LmBatches
{
    public static int PadId(HookedTransformer model) => model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;

    /// <summary>Throws unless the model ends in a language-model head.</summary>
    public static void RequireHead(HookedTransformer model, string what)
    {
        if (!model.Config.HasUnembed)
            throw new InputException($"{model.Name} has no language-model head; {what} need one");
    }

    /// <param name="model">The model.</param>
    /// <param name="sequences">Token ids (each non-empty).</param>
    /// <param name="batchSize">Sequences per forward.</param>
    /// <param name="hooks">Optional hooks (ablations, steering) applied to every forward.</param>
    /// <param name="onBatch">Gets the batch, the original indices of its rows and float32 log-probabilities.</param>
    /// <param name="progress">Gets the number of sequences finished by each batch.</param>
    public static void Run(
        HookedTransformer model,
        IReadOnlyList<IReadOnlyList<int>> sequences,
        int batchSize,
        IReadOnlyList<Hook>? hooks,
        Action<TokenBatch, int[], Tensor> onBatch,
        Action<int>? progress = null
    )
    {
        if (batchSize < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"batch size must be at least 1, got {batchSize}")
            );
        var order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Count).ThenBy(i => i).ToArray();
        int padId = PadId(model);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            var idx = order[start..Math.Min(start + batchSize, order.Length)];
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                idx.Select(i => sequences[i]).ToList(),
                padId,
                PaddingSide.Right,
                device: model.Device
            );
            var logits = hooks is { Count: > 0 } ? model.RunWithHooks(batch, hooks) : model.Forward(batch);
            using var grad = no_grad();
            var lp = logits.to(ScalarType.Float32).log_softmax(-1);
            onBatch(batch, idx, lp);
            progress?.Invoke(idx.Length);
        }
    }
}
