using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>Reading a hook's activations as rows of units for an SAE: which hooks qualify (shape
/// [batch, pos, units]), the token sequences of texts, and one forward that returns the activation rows of every
/// real token except BOS (position 0). BOS is left out of training, metrics and splicing alike: its activation is the
/// same constant in every sequence and would otherwise take a feature of its own.</summary>
public static class SaeHook
{
    /// <summary>Width of the unit axis of <paramref name="hook"/> on <paramref name="model"/>.</summary>
    /// <exception cref="HookException">Unknown hook (with the nearest valid name).</exception>
    /// <exception cref="InputException">The hook has no unit axis (per-head or attention-pattern hooks).</exception>
    public static long Width(HookedTransformer model, string hook, string argument = "--hook")
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.HookNames.Contains(hook, StringComparer.Ordinal))
        {
            try
            {
                HookName.Require(hook, model.HookNames);
            }
            catch (HookException e)
            {
                throw new HookException($"{argument}: {e.Message}", e);
            }
        }
        var (point, _) = HookName.Parse(hook);
        if (point.Shape.Count != 3 || point.Shape[0] != "batch" || point.Shape[1] != "pos")
            throw new InputException(
                $"{argument}: {hook} has shape {point.ShapeText}; an SAE needs a hook of shape [batch, pos, units]"
            );
        return point.ShapeFor(model.Config, 1, 1)[^1];
    }

    /// <summary>Token ids of each text (BOS added), cut to <paramref name="contextSize"/> tokens; texts of fewer than
    /// two tokens are dropped.</summary>
    /// <exception cref="InputException">The model has no tokenizer.</exception>
    public static List<IReadOnlyList<int>> Sequences(
        HookedTransformer model,
        IEnumerable<string> texts,
        int contextSize
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} was loaded without a tokenizer; an SAE corpus needs one");
        int cap = Math.Min(contextSize, model.Config.NCtx);
        var list = new List<IReadOnlyList<int>>();
        foreach (var t in texts)
        {
            var ids = model.Tokenizer.Encode(t, true).Ids;
            if (ids.Count >= 2)
                list.Add(ids.Take(cap).ToArray());
        }
        return list;
    }

    /// <summary>The hook's activations at every real token but BOS of the sequences, run as one padded batch that
    /// stops after the hook's layer. // -> [tokens, units] float32 on the CPU, sequence by sequence in order</summary>
    public static Tensor Rows(HookedTransformer model, string hook, IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        using var scope = NewDisposeScope();
        int pad = model.Tokenizer?.PadId ?? model.Config.PadTokenId ?? 0;
        using var batch = TokenBatch.FromIds(sequences, pad, PaddingSide.Right, device: model.Device);
        int? layer = HookName.LayerOf(hook);
        var options = new RunOptions { StopAtLayer = layer is int l ? l + 1 : null };
        using var run = model.RunWithCache(batch, n => n == hook, options);
        var acts = run.Cache[hook].to(ScalarType.Float32).cpu(); // [batch, pos, units]
        var keep = batch.Mask.cpu().to_type(ScalarType.Bool).clone(); // [batch, pos]
        using (var no = false.ToScalar())
            keep.select(1, 0).fill_(no);
        return acts.index(new[] { TensorIndex.Tensor(keep) }).contiguous().MoveToOuterDisposeScope(); // [tokens, units]
    }

    /// <summary>The predicted-token count of a sequence (the next-token loss has one term per token but the last).</summary>
    internal static int Predicted(IReadOnlyList<int> seq) => seq.Count - 1;

    /// <summary>"blocks.3.mlp.hook_post" → 3; model-level hooks → 0 (SAELens's hook_layer).</summary>
    public static int LayerOf(string hook) => HookName.LayerOf(hook) ?? 0;

    internal static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
