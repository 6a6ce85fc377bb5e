using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>Inputs and runs shared by the attention kernels' tests.</summary>
internal static class AttentionRuns
{
    /// <summary>Random token rows of the given lengths (ids 1..vocab-1), seeded by the lengths plus <paramref name="salt"/>.</summary>
    public static List<IReadOnlyList<int>> Rows(int vocab, int salt, params int[] lengths)
    {
        var rng = new Random(lengths.Sum() + salt);
        return lengths
            .Select(n => (IReadOnlyList<int>)Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab)).ToArray())
            .ToList();
    }

    /// <summary>Decodes a left-padded prompt of 7 and 3 tokens, then one token per row, with a KV cache: the last
    /// prompt position's logits and the step's [2, 2, d_vocab], detached from the caller's scope.</summary>
    public static Tensor DecodeTwoSteps(HookedTransformer model, RunOptions options, int salt)
    {
        int vocab = model.Config.DVocab;
        using var kv = model.NewCache(2, 16);
        using var prompt = TokenBatch.FromIds(Rows(vocab, salt, 7, 3), 0, PaddingSide.Left);
        using var first = model.RunCached(prompt, kv, options: options);
        using var next = TokenBatch.FromIds(Rows(vocab, salt, 1, 1), 0, PaddingSide.Left);
        using var second = model.RunCached(next, kv, options: options);
        return cat(new[] { first.Output.narrow(1, first.Output.shape[1] - 1, 1), second.Output }, 1)
            .DetachFromDisposeScope();
    }
}
