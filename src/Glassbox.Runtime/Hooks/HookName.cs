using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Hooks;

/// <summary>
/// The one place hook names are built. Names follow TransformerLens spellings, e.g.
/// <c>blocks.3.attn.hook_pattern</c>, <c>blocks.0.hook_resid_post</c>, <c>ln_final.hook_normalized</c>.
/// </summary>
public static class HookName
{
    /// <summary>Token embedding <c>hook_embed</c> [batch, pos, d_model].</summary>
    public const string Embed = "hook_embed";
    /// <summary>Learned position embedding <c>hook_pos_embed</c> [batch, pos, d_model].</summary>
    public const string PosEmbed = "hook_pos_embed";
    /// <summary>Token-type (segment) embedding <c>hook_token_type_embed</c> [batch, pos, d_model].</summary>
    public const string TokenTypeEmbed = "hook_token_type_embed";
    /// <summary>Name of the full model output in caches written by the CLI.</summary>
    public const string Output = "output";

    /// <summary><c>blocks.{layer}.hook_resid_pre</c> [batch, pos, d_model].</summary>
    public static string ResidPre(int layer) => Block(layer, "hook_resid_pre");
    /// <summary><c>blocks.{layer}.hook_resid_mid</c> [batch, pos, d_model] (absent for parallel blocks).</summary>
    public static string ResidMid(int layer) => Block(layer, "hook_resid_mid");
    /// <summary><c>blocks.{layer}.hook_resid_post</c> [batch, pos, d_model].</summary>
    public static string ResidPost(int layer) => Block(layer, "hook_resid_post");
    /// <summary><c>blocks.{layer}.hook_attn_out</c> [batch, pos, d_model].</summary>
    public static string AttnOut(int layer) => Block(layer, "hook_attn_out");
    /// <summary><c>blocks.{layer}.hook_mlp_out</c> [batch, pos, d_model].</summary>
    public static string MlpOut(int layer) => Block(layer, "hook_mlp_out");
    /// <summary><c>blocks.{layer}.attn.{hook}</c>, e.g. hook_q [batch, pos, head, d_head] or hook_pattern [batch, head, q, k].</summary>
    public static string Attn(int layer, string hook) => Block(layer, "attn." + hook);
    /// <summary><c>blocks.{layer}.mlp.{hook}</c>, e.g. hook_post [batch, pos, d_mlp].</summary>
    public static string Mlp(int layer, string hook) => Block(layer, "mlp." + hook);
    /// <summary><c>blocks.{layer}.{ln}.{hook}</c> with ln = ln1|ln2 and hook = hook_scale|hook_normalized.</summary>
    public static string BlockNorm(int layer, string ln, string hook) => Block(layer, ln + "." + hook);
    /// <summary><c>{ln}.{hook}</c> for model-level norms (ln_final, embed_ln).</summary>
    public static string Norm(string ln, string hook) => ln + "." + hook;
    /// <summary>Any block-level name: <c>blocks.{layer}.{rest}</c>.</summary>
    public static string Block(int layer, string rest) => string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.{rest}");

    /// <summary>Every hook point of a model with config <paramref name="c"/>, in execution order.</summary>
    /// <param name="c">Model config.</param>
    /// <param name="includeAttnResult">Include the opt-in per-head <c>attn.hook_result</c>.</param>
    public static IReadOnlyList<string> All(ModelConfig c, bool includeAttnResult = true)
    {
        var n = new List<string> { Embed };
        if (c.Positions == PositionKind.Learned) n.Add(PosEmbed);
        if (c.NTokenTypes > 0) n.Add(TokenTypeEmbed);
        if (c.EmbedNorm) { n.Add(Norm("embed_ln", "hook_scale")); n.Add(Norm("embed_ln", "hook_normalized")); }
        bool norms = c.Norm != NormKind.None;
        for (int l = 0; l < c.NLayers; l++)
        {
            n.Add(ResidPre(l));
            if (norms && !c.PostNorm) { n.Add(BlockNorm(l, "ln1", "hook_scale")); n.Add(BlockNorm(l, "ln1", "hook_normalized")); }
            if (norms && !c.PostNorm && c.ParallelAttnMlp && c.HasMlp) { n.Add(BlockNorm(l, "ln2", "hook_scale")); n.Add(BlockNorm(l, "ln2", "hook_normalized")); }
            n.Add(Attn(l, "hook_q")); n.Add(Attn(l, "hook_k")); n.Add(Attn(l, "hook_v"));
            if (c.Positions == PositionKind.Rotary) { n.Add(Attn(l, "hook_rot_q")); n.Add(Attn(l, "hook_rot_k")); }
            n.Add(Attn(l, "hook_attn_scores")); n.Add(Attn(l, "hook_pattern")); n.Add(Attn(l, "hook_z"));
            if (includeAttnResult) n.Add(Attn(l, "hook_result"));
            n.Add(AttnOut(l));
            if (c.PostNorm) { n.Add(BlockNorm(l, "ln1", "hook_scale")); n.Add(BlockNorm(l, "ln1", "hook_normalized")); }
            if (!c.ParallelAttnMlp) n.Add(ResidMid(l));
            if (c.HasMlp)
            {
                if (norms && !c.PostNorm && !c.ParallelAttnMlp) { n.Add(BlockNorm(l, "ln2", "hook_scale")); n.Add(BlockNorm(l, "ln2", "hook_normalized")); }
                n.Add(Mlp(l, "hook_pre"));
                if (c.GatedMlp) n.Add(Mlp(l, "hook_pre_linear"));
                n.Add(Mlp(l, "hook_post"));
                n.Add(MlpOut(l));
                if (c.PostNorm) { n.Add(BlockNorm(l, "ln2", "hook_scale")); n.Add(BlockNorm(l, "ln2", "hook_normalized")); }
            }
            n.Add(ResidPost(l));
        }
        if (c.FinalNorm && !c.PostNorm && norms) { n.Add(Norm("ln_final", "hook_scale")); n.Add(Norm("ln_final", "hook_normalized")); }
        return n;
    }

    /// <summary>Parses the layer index of a block-level name, or null for model-level names.</summary>
    public static int? LayerOf(string name)
    {
        if (!name.StartsWith("blocks.", StringComparison.Ordinal)) return null;
        int end = name.IndexOf('.', 7);
        return end > 7 && int.TryParse(name.AsSpan(7, end - 7), CultureInfo.InvariantCulture, out int l) ? l : null;
    }

    /// <summary>Throws <see cref="HookException"/> unless <paramref name="name"/> is a hook point of the model; the
    /// message suggests the closest valid name.</summary>
    /// <exception cref="HookException">The name is unknown.</exception>
    public static void Require(string name, IReadOnlyList<string> valid)
    {
        if (valid.Contains(name)) return;
        string best = valid.MinBy(v => Levenshtein(v, name)) ?? "";
        throw new HookException($"unknown hook name '{name}'; did you mean '{best}'? (glassbox info lists every hook)");
    }

    /// <summary>True when <paramref name="name"/> matches a glob pattern with <c>*</c> (any run of characters) and
    /// <c>?</c> (one character), e.g. <c>blocks.*.attn.hook_pattern</c>.</summary>
    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = n; }
            else if (star >= 0) { p = star + 1; n = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    internal static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
