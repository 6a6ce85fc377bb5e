using System.Globalization;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Sae;

/// <summary>SAE features as units: their activations on a text, in the same shapes as a hook's neurons, so ranking,
/// excerpts and explainers can treat <c>sae:hook:i</c> like any other unit (<see cref="UnitRef"/> with
/// <c>Sae = true</c>).</summary>
public static class SaeFeatures
{
    /// <summary>Token strings of <paramref name="text"/> (BOS first) and every feature's activation on each token.
    /// BOS gets the SAE's encoding of its activation too; callers that follow the training convention ignore it.
    /// // Activations: [pos, d_sae]; the caller owns the tensor</summary>
    /// <exception cref="InputException">The SAE does not fit the model, or the model has no tokenizer.</exception>
    public static (IReadOnlyList<string> Tokens, Tensor Activations) OnText(
        HookedTransformer model,
        SparseAutoencoder sae,
        string text
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(text);
        SaeCheckpoint.CheckFits(sae, model);
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} was loaded without a tokenizer; pass token ids instead of text");
        var ids = model.Tokenizer.Encode(text, true).Ids;
        if (ids.Count == 0)
            throw new InputException("the text has no tokens");
        return (ids.Select(i => model.Tokenizer.Decode(new[] { i })).ToList(), OnIds(model, sae, ids));
    }

    /// <summary>Every feature's activation on each token of <paramref name="ids"/>. // -> [pos, d_sae]</summary>
    public static Tensor OnIds(HookedTransformer model, SparseAutoencoder sae, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        using var scope = NewDisposeScope();
        string hook = sae.Config.HookName;
        using var batch = TokenBatch.Single(ids, model.Device);
        int? layer = Glassbox.Hooks.HookName.LayerOf(hook);
        var options = new Glassbox.Hooks.RunOptions { StopAtLayer = layer is int l ? l + 1 : null };
        using var run = model.RunWithCache(batch, n => n == hook, options);
        var acts = run.Cache[hook][0].to(ScalarType.Float32).cpu(); // [pos, d_in]
        return sae.Encode(acts).MoveToOuterDisposeScope(); // [pos, d_sae]
    }

    /// <summary>One feature's activations on a text as an excerpt (what the store, viewer and explainers read).</summary>
    /// <exception cref="InputException">Feature index out of range, or see <see cref="OnText"/>.</exception>
    public static ActivationExcerpt Excerpt(HookedTransformer model, SparseAutoencoder sae, string text, int feature)
    {
        ArgumentNullException.ThrowIfNull(sae);
        if (feature < 0 || feature >= sae.Config.DSae)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"feature {feature} is out of range (the SAE has {sae.Config.DSae})"
                )
            );
        var (tokens, acts) = OnText(model, sae, text);
        using (acts)
        using (var col = acts.select(1, feature).contiguous())
            return new ActivationExcerpt(tokens, col.data<float>().ToArray());
    }

    /// <summary>The unit reference of feature <paramref name="feature"/> of <paramref name="sae"/>.</summary>
    public static UnitRef Unit(SparseAutoencoder sae, int feature)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return new UnitRef(sae.Config.HookName, feature, Sae: true);
    }
}
