using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Attribution;

/// <summary>The reference input of integrated gradients, in embedding space.</summary>
public enum BaselineKind
{
    /// <summary>All-zero embeddings.</summary>
    Zero,

    /// <summary>The embedding of the padding token at every position.</summary>
    Pad,

    /// <summary>The embedding of the [MASK] token at every position.</summary>
    Mask,

    /// <summary>The mean token embedding (the mean row of the embedding matrix) at every position.</summary>
    Mean,
}

/// <summary>Builds baselines and reads the token embeddings of a sequence through the embedding hook.</summary>
public static class Baselines
{
    /// <summary>CLI spellings in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["zero", "pad", "mask", "mean"];

    /// <summary>Parses a CLI spelling.</summary>
    /// <exception cref="InputException">Unknown baseline.</exception>
    public static BaselineKind Parse(string text, string what = "--baseline")
    {
        int i = Names.ToList().IndexOf(text.Trim().ToLowerInvariant());
        return i >= 0
            ? (BaselineKind)i
            : throw new InputException($"{what} must be one of {string.Join(", ", Names)}, got '{text}'");
    }

    /// <summary>The token id a baseline puts at every position (pad or [MASK]); null for zero and mean.</summary>
    /// <exception cref="InputException">The model's tokenizer has no such token.</exception>
    public static int? TokenId(HookedTransformer model, BaselineKind kind)
    {
        switch (kind)
        {
            case BaselineKind.Pad:
                return model.Tokenizer?.PadId
                    ?? model.Config.PadTokenId
                    ?? throw new InputException($"{model.Name} has no padding token; use --baseline zero or mean");
            case BaselineKind.Mask:
                var tok = model.Tokenizer ?? throw new InputException($"{model.Name} has no tokenizer for [MASK]");
                for (int id = 0; id < tok.VocabSize; id++)
                    if (tok.TokenToString(id) is "[MASK]" or "<mask>")
                        return id;
                throw new InputException($"{model.Name} has no [MASK] token; use --baseline pad, zero or mean");
            default:
                return null;
        }
    }

    /// <summary>The activation at <paramref name="hook"/> of one run (no gradients), with optional extra hooks.</summary>
    /// <returns>The activation [batch, ...]; the caller disposes it.</returns>
    public static Tensor Capture(
        HookedTransformer model,
        TokenBatch batch,
        string hook,
        IReadOnlyList<Hook>? hooks = null
    )
    {
        Tensor? got = null;
        var reader = new Hook(hook, (x, _) =>
        {
            got = x.detach().clone().DetachFromDisposeScope();
            return null;
        });
        using var scope = NewDisposeScope();
        var all = (hooks ?? Array.Empty<Hook>()).Append(reader).ToList();
        using var run = model.Run(batch, all, null, new RunOptions { StopAtLayer = StopFor(model, hook) });
        return got ?? throw new InvalidOperationException($"hook {hook} did not fire");
    }

    /// <summary>Stops the forward after the block that holds <paramref name="hook"/> (model-level hooks before any
    /// block stop at layer 0); null runs the whole model.</summary>
    private static int? StopFor(HookedTransformer model, string hook)
    {
        var (point, layer) = HookName.Parse(hook);
        if (layer is { } l)
            return l + 1 < model.Config.NLayers ? l + 1 : null;
        return point == HookPoints.Embed || point == HookPoints.PosEmbed || point == HookPoints.TokenTypeEmbed
            ? 0
            : null;
    }

    /// <summary>Baseline embeddings for a sequence batch [batch, pos, d_model]: positions holding a token in
    /// <paramref name="keep"/> (e.g. [CLS], [SEP], BOS) keep their own embedding, as in Captum's BERT tutorials.</summary>
    public static Tensor Embeddings(HookedTransformer model, TokenBatch batch, BaselineKind kind, ISet<int> keep)
    {
        using var scope = NewDisposeScope();
        var x = Capture(model, batch, HookName.Embed); // [batch, pos, d_model]
        Tensor b;
        if (kind == BaselineKind.Zero)
            b = zeros_like(x);
        else if (kind == BaselineKind.Mean)
            b = model.Weights["embed.W_E"].to_type(x.dtype).mean([0]).expand_as(x).clone();
        else
        {
            long id = TokenId(model, kind)!.Value;
            b = model.Weights["embed.W_E"].select(0, id).to_type(x.dtype).expand_as(x).clone();
        }
        if (keep.Count > 0)
        {
            var k = zeros_like(batch.Ids, dtype: ScalarType.Bool);
            foreach (int id in keep)
                k = k.logical_or(batch.Ids.eq(tensor((long)id, device: batch.Ids.device)));
            b = where(k.unsqueeze(-1).to(x.device), x, b);
        }
        return b.MoveToOuterDisposeScope();
    }
}
