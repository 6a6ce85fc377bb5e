using Glassbox.Hooks;
using Glassbox.Models.Components;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

// The two ends of the network, shared by the full forward (HookedTransformer.cs) and the KV-cached forward
// (HookedTransformer.Cached.cs).
public sealed partial class HookedTransformer
{
    /// <summary>Token (+ learned position, token type) embeddings and the embedding norm: [batch, pos, d_model].</summary>
    private Tensor Embed(Tensor ids, Tensor pos, Tensor types, HookRunner run, bool keepGradients)
    {
        var c = Config;
        long b = ids.shape[0],
            p = ids.shape[1];
        ids = ids.device == Device ? ids : ids.to(Device);
        var embed = _weights["embed.W_E"].index_select(0, ids.flatten()).view(b, p, c.DModel); // [batch, pos, d_model]
        if (keepGradients && !embed.requires_grad)
            embed.requires_grad_(true);
        var resid = run.Apply(HookPoints.Embed, null, embed);
        if (c.Positions == PositionKind.Learned)
            resid = resid.Plus(
                run.Apply(
                    HookPoints.PosEmbed,
                    null,
                    _weights["pos_embed.W_pos"].index_select(0, pos.flatten()).view(b, p, c.DModel)
                )
            );
        if (c.NTokenTypes > 0)
            resid = resid.Plus(
                run.Apply(
                    HookPoints.TokenTypeEmbed,
                    null,
                    _weights["token_type_embed.W_type"].index_select(0, types.to(Device).flatten()).view(b, p, c.DModel)
                )
            );
        if (c.EmbedNorm)
            resid = Norm.Apply(
                resid,
                NormKind.LayerNorm,
                _weights["embed_ln.w"],
                _weights["embed_ln.b"],
                c.NormEps,
                run,
                HookPoints.EmbedLnScale,
                HookPoints.EmbedLnNormalized,
                null
            );
        return resid;
    }

    /// <summary>Final norm and unembedding: [batch, pos, d_vocab] for LMs, [batch, pos, d_model] for encoders.</summary>
    private Tensor Head(Tensor resid, HookRunner run)
    {
        var c = Config;
        if (c.FinalNorm && !c.PostNorm && c.Norm != NormKind.None)
            resid = Norm.Apply(
                resid,
                c.Norm,
                _weights["ln_final.w"],
                _weights.GetValueOrDefault("ln_final.b"),
                c.NormEps,
                run,
                HookPoints.LnFinalScale,
                HookPoints.LnFinalNormalized,
                null
            );
        if (!c.HasUnembed)
            return resid; // [batch, pos, d_model]
        var wu = c.TiedEmbeddings ? _weights["embed.W_E"] : _weights["unembed.W_U"];
        return nn.functional.linear(resid, wu, _weights.GetValueOrDefault("unembed.b_U")); // [batch, pos, d_vocab]
    }
}
