using System.Globalization;

namespace Glassbox.Models;

/// <summary>One named parameter of the canonical layout with its expected shape.</summary>
/// <param name="Name">Canonical name, e.g. <c>blocks.0.attn.W_Q</c>.</param>
/// <param name="Shape">Expected shape.</param>
public sealed record ParameterSpec(string Name, long[] Shape)
{
    /// <summary>Shape as text, e.g. "[384, 384]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// The canonical parameter names and shapes of a HookedTransformer, derived from its config.
/// Every loader maps its checkpoint's keys onto these names; strict loading compares against this list.
/// Linear weights use the PyTorch <c>nn.Linear</c> layout [out_features, in_features].
/// </summary>
public static class ParameterLayout
{
    /// <summary>Every parameter the model needs for <paramref name="c"/>, in a stable order.</summary>
    public static IReadOnlyList<ParameterSpec> For(ModelConfig c)
    {
        var list = new List<ParameterSpec>();
        void Add(string n, params long[] s) => list.Add(new ParameterSpec(n, s));
        long d = c.DModel,
            q = (long)c.NHeads * c.HeadDim,
            kv = (long)c.KvHeads * c.HeadDim;
        Add("embed.W_E", c.DVocab, d); // [d_vocab, d_model]
        if (c.Positions == PositionKind.Learned)
            Add("pos_embed.W_pos", c.NCtx, d); // [n_ctx, d_model]
        if (c.NTokenTypes > 0)
            Add("token_type_embed.W_type", c.NTokenTypes, d); // [n_types, d_model]
        if (c.EmbedNorm)
            AddNorm(list, "embed_ln", c);
        for (int l = 0; l < c.NLayers; l++)
        {
            string b = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            if (c.Norm != NormKind.None || c.PostNorm)
                AddNorm(list, b + "ln1", c);
            Add(b + "attn.W_Q", q, d); // [n_heads*d_head, d_model]
            Add(b + "attn.W_K", kv, d); // [n_kv_heads*d_head, d_model]
            Add(b + "attn.W_V", kv, d); // [n_kv_heads*d_head, d_model]
            if (c.AttnQkvBias)
            {
                Add(b + "attn.b_Q", q);
                Add(b + "attn.b_K", kv);
                Add(b + "attn.b_V", kv);
            }
            Add(b + "attn.W_O", d, q); // [d_model, n_heads*d_head]
            if (c.AttnOutBias)
                Add(b + "attn.b_O", d);
            if (!c.HasMlp)
                continue;
            if (c.Norm != NormKind.None || c.PostNorm)
                AddNorm(list, b + "ln2", c);
            Add(b + "mlp.W_in", c.DMlp, d); // [d_mlp, d_model]
            if (c.MlpBias)
                Add(b + "mlp.b_in", c.DMlp);
            if (c.GatedMlp)
                Add(b + "mlp.W_gate", c.DMlp, d); // [d_mlp, d_model]
            if (c.GatedMlp && c.MlpBias)
                Add(b + "mlp.b_gate", c.DMlp);
            Add(b + "mlp.W_out", d, c.DMlp); // [d_model, d_mlp]
            if (c.MlpBias)
                Add(b + "mlp.b_out", d);
        }
        if (c.FinalNorm && !c.PostNorm && c.Norm != NormKind.None)
            AddNorm(list, "ln_final", c);
        if (c.HasUnembed && !c.TiedEmbeddings)
            Add("unembed.W_U", c.DVocab, d); // [d_vocab, d_model]
        if (c.HasUnembed && c.UnembedBias)
            Add("unembed.b_U", c.DVocab);
        return list;
    }

    private static void AddNorm(List<ParameterSpec> list, string prefix, ModelConfig c)
    {
        list.Add(new ParameterSpec(prefix + ".w", new long[] { c.DModel }));
        bool bias = c.PostNorm || prefix == "embed_ln" ? true : c.Norm == NormKind.LayerNorm;
        if (bias)
            list.Add(new ParameterSpec(prefix + ".b", new long[] { c.DModel }));
    }
}
