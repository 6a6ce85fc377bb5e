using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>The read-out of a causal language model: its final norm and unembedding, applied to any residual
/// stream vector (the basis of the logit lens and of direct logit attribution).</summary>
public static class Unembedding
{
    /// <summary>Throws <see cref="InputException"/> unless the model is a pre-norm causal language model with an
    /// unembedding (the read-out then is <c>W_U · norm(resid) + b_U</c>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="what">Name of the analysis, for the message.</param>
    public static void RequireLm(HookedTransformer model, string what)
    {
        var c = model.Config;
        if (!c.HasUnembed || !c.Causal)
            throw new InputException(
                $"{what} needs a causal language model with an unembedding; {model.Name} ({c.Architecture}) has none"
            );
        if (c.PostNorm || c.EmbedNorm || c.NTokenTypes > 0)
            throw new InputException(
                $"{what} supports pre-norm decoders only; {model.Name} is post-norm or has segment embeddings"
            );
    }

    /// <summary>The unembedding matrix W_U (the token embedding when tied). // [d_vocab, d_model]</summary>
    public static Tensor WU(HookedTransformer model) =>
        model.Config.TiedEmbeddings ? model.Weights["embed.W_E"] : model.Weights["unembed.W_U"];

    /// <summary>The unembedding bias, or null. // [d_vocab]</summary>
    public static Tensor? BU(HookedTransformer model) => model.Weights.GetValueOrDefault("unembed.b_U");

    /// <summary>Whether the model applies a final norm before the unembedding.</summary>
    public static bool HasFinalNorm(HookedTransformer model) =>
        model.Config.FinalNorm && !model.Config.PostNorm && model.Config.Norm != NormKind.None;

    /// <summary>The final norm applied afresh (its own scale, computed from <paramref name="resid"/>).
    /// // [..., d_model] -> [..., d_model]</summary>
    public static Tensor FinalNorm(HookedTransformer model, Tensor resid)
    {
        if (!HasFinalNorm(model))
            return resid;
        var c = model.Config;
        var w = model.Weights["ln_final.w"];
        var b = model.Weights.GetValueOrDefault("ln_final.b");
        if (c.Norm == NormKind.LayerNorm)
            return nn.functional.layer_norm(resid, new long[] { resid.shape[^1] }, w, b, c.NormEps);
        var y = resid * resid.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(c.NormEps).rsqrt() * w;
        return b is null ? y : y.Plus(b);
    }

    /// <summary>The final norm with a frozen scale (e.g. its <c>hook_scale</c> from a real run), which makes it linear
    /// so that additive parts of the residual stream can be normalised one by one: LayerNorm centres each part (mean
    /// over d_model removed; RMSNorm does not), then every norm divides by <paramref name="scale"/> and multiplies by
    /// <c>ln_final.w</c>. The norm's bias is not added. Returns <paramref name="parts"/> unchanged when the model has
    /// no final norm. // [..., d_model] -> [..., d_model]</summary>
    /// <param name="model">The model.</param>
    /// <param name="parts">Residual stream parts. // [..., d_model]</param>
    /// <param name="scale">Frozen scale, broadcastable to <paramref name="parts"/>. // [..., 1]</param>
    public static Tensor FrozenFinalNorm(HookedTransformer model, Tensor parts, Tensor scale)
    {
        if (!HasFinalNorm(model))
            return parts;
        if (model.Config.Norm == NormKind.LayerNorm)
            parts = parts - parts.mean(new long[] { -1 }, keepdim: true);
        parts = parts / scale.to_type(parts.dtype);
        return model.Weights.TryGetValue("ln_final.w", out var w) ? parts * w.to_type(parts.dtype) : parts;
    }

    /// <summary>Logits of residual stream vectors: final norm, then unembedding, in float32 like the model's own
    /// output (a float16/bfloat16 model computes in its dtype). // [..., d_model] -> [..., d_vocab]</summary>
    public static Tensor Decode(HookedTransformer model, Tensor resid) =>
        nn.functional.linear(FinalNorm(model, resid), WU(model), BU(model)).AsFloat32();

    /// <summary>The one token id of <paramref name="text"/> (tried as given and with a leading space), or an
    /// <see cref="InputException"/> naming <paramref name="argument"/>. A number "#17" is taken as a raw id.</summary>
    public static int TokenId(HookedTransformer model, string text, string argument)
    {
        if (text.Length > 1 && text[0] == '#' && text.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            if (
                !int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int raw)
                || raw >= model.Config.DVocab
            )
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: token id {text[1..]} is out of range: the vocabulary is 0..{model.Config.DVocab - 1}"
                    )
                );
            return raw;
        }
        if (model.Tokenizer is null)
            throw new InputException($"{argument}: {model.Name} has no tokenizer; give a raw id like #17");
        foreach (var candidate in new[] { text, " " + text })
        {
            var ids = model.Tokenizer.Encode(candidate, addSpecialTokens: false).Ids;
            if (ids.Count == 1)
                return ids[0];
        }
        var parts = model.Tokenizer.Encode(text, addSpecialTokens: false).Ids;
        throw new InputException(
            $"{argument}: '{text}' is not one token of {model.Name}'s vocabulary (it splits into {parts.Count} tokens: "
                + string.Join(" ", parts.Select(i => "'" + model.Tokenizer.TokenToString(i) + "'"))
                + ")"
        );
    }

    /// <summary>Directions written into the residual stream (columns of <paramref name="directions"/>, [d_model, n]) as
    /// the unembedding sees them with the final norm's scale frozen: centred over d_model for LayerNorm, times the final
    /// norm weight. Multiply by <see cref="WU"/> for their direct logit effect. // [d_model, n]</summary>
    public static Tensor ThroughFinalNorm(HookedTransformer model, Tensor directions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(directions);
        var w = directions;
        if (model.Config.Norm == NormKind.LayerNorm && HasFinalNorm(model))
            w = w - w.mean(new long[] { 0 }, keepdim: true);
        if (HasFinalNorm(model))
            w = w * model.Weights["ln_final.w"].unsqueeze(1);
        return w;
    }

    /// <summary>Display text of a token id.</summary>
    public static string Text(HookedTransformer model, int id) =>
        model.Tokenizer?.TokenToString(id) ?? "#" + id.ToString(CultureInfo.InvariantCulture);
}
