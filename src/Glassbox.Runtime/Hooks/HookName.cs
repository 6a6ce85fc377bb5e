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
    public static readonly string Embed = HookPoints.Embed.Name();

    /// <summary>Learned position embedding <c>hook_pos_embed</c> [batch, pos, d_model].</summary>
    public static readonly string PosEmbed = HookPoints.PosEmbed.Name();

    /// <summary>Token-type (segment) embedding <c>hook_token_type_embed</c> [batch, pos, d_model].</summary>
    public static readonly string TokenTypeEmbed = HookPoints.TokenTypeEmbed.Name();

    /// <summary>Name of the full model output in caches written by the CLI.</summary>
    public const string Output = "output";

    /// <summary>An example list of hook globs for help texts (a constant, so attributes can use it).</summary>
    public const string GlobExample = "blocks.*.hook_resid_post,blocks.0.attn.hook_pattern";
    internal const string BlockPrefix = "blocks.";

    /// <summary><c>blocks.{layer}.hook_resid_pre</c> [batch, pos, d_model].</summary>
    public static string ResidPre(int layer) => HookPoints.ResidPre.Name(layer);

    /// <summary><c>blocks.{layer}.hook_resid_mid</c> [batch, pos, d_model] (absent for parallel blocks).</summary>
    public static string ResidMid(int layer) => HookPoints.ResidMid.Name(layer);

    /// <summary><c>blocks.{layer}.hook_resid_post</c> [batch, pos, d_model].</summary>
    public static string ResidPost(int layer) => HookPoints.ResidPost.Name(layer);

    /// <summary><c>blocks.{layer}.hook_attn_out</c> [batch, pos, d_model].</summary>
    public static string AttnOut(int layer) => HookPoints.AttnOut.Name(layer);

    /// <summary><c>blocks.{layer}.hook_mlp_out</c> [batch, pos, d_model].</summary>
    public static string MlpOut(int layer) => HookPoints.MlpOut.Name(layer);

    /// <summary><c>blocks.{layer}.attn.{hook}</c>, e.g. hook_q [batch, pos, head, d_head] or hook_pattern [batch, head, q, k].
    /// Prefer the descriptor, e.g. <c>HookPoints.AttnZ.Name(layer)</c>.</summary>
    /// <exception cref="HookException">No such attention hook point.</exception>
    public static string Attn(int layer, string hook) => Point(HookScope.Block, "attn." + hook).Name(layer);

    /// <summary><c>blocks.{layer}.mlp.{hook}</c>, e.g. hook_post [batch, pos, d_mlp]. Prefer <c>HookPoints.MlpPost.Name(layer)</c>.</summary>
    /// <exception cref="HookException">No such MLP hook point.</exception>
    public static string Mlp(int layer, string hook) => Point(HookScope.Block, "mlp." + hook).Name(layer);

    /// <summary><c>blocks.{layer}.{ln}.{hook}</c> with ln = ln1|ln2 and hook = hook_scale|hook_normalized.</summary>
    /// <exception cref="HookException">No such norm hook point.</exception>
    public static string BlockNorm(int layer, string ln, string hook) =>
        Point(HookScope.Block, ln + "." + hook).Name(layer);

    /// <summary><c>{ln}.{hook}</c> for model-level norms (ln_final, embed_ln).</summary>
    /// <exception cref="HookException">No such norm hook point.</exception>
    public static string Norm(string ln, string hook) => Point(HookScope.Model, ln + "." + hook).Name();

    /// <summary>Any block-level name: <c>blocks.{layer}.{rest}</c>.</summary>
    public static string Block(int layer, string rest) =>
        BlockPrefix + layer.ToString(CultureInfo.InvariantCulture) + "." + rest;

    private static HookPoint Point(HookScope scope, string leaf) =>
        HookPoints.Find(scope, leaf)
        ?? throw new HookException(
            $"'{leaf}' is not a {(scope == HookScope.Block ? "block" : "model-level")} hook point"
        );

    /// <summary>Every hook point of a model with config <paramref name="c"/>, in execution order: the model-level
    /// points before the blocks, each block's points layer by layer, then the final norm. Within a block the order is
    /// <see cref="HookPoints.All"/>'s, except that post-norm blocks fire ln1 after <c>hook_attn_out</c> and ln2 after
    /// <c>hook_mlp_out</c>, where their norms run.</summary>
    /// <param name="c">Model config.</param>
    /// <param name="includeAttnResult">Include the opt-in per-head <c>attn.hook_result</c>.</param>
    public static IReadOnlyList<string> All(ModelConfig c, bool includeAttnResult = true)
    {
        var points = HookPoints.InOrder(c, includeAttnResult);
        var names = new List<string>();
        for (int i = 0; i < points.Count; )
        {
            if (points[i].Scope == HookScope.Model)
            {
                names.Add(points[i++].Name());
                continue;
            }
            int end = i;
            while (end < points.Count && points[end].Scope == HookScope.Block)
                end++;
            for (int l = 0; l < c.NLayers; l++)
            for (int j = i; j < end; j++)
                names.Add(points[j].Name(l));
            i = end;
        }
        return names;
    }

    /// <summary>Parses a full hook name into its point and layer (null for model-level points). Exact: the layer must
    /// be a plain non-negative integer and the leaf one of <see cref="HookPoints.All"/>; nothing is suffix-matched.</summary>
    /// <returns>False when <paramref name="name"/> is not a hook name.</returns>
    public static bool TryParse(string name, out HookPoint point, out int? layer)
    {
        point = null!;
        layer = null;
        if (!name.StartsWith(BlockPrefix, StringComparison.Ordinal))
        {
            if (HookPoints.Find(HookScope.Model, name) is not { } p)
                return false;
            point = p;
            return true;
        }
        int start = BlockPrefix.Length,
            dot = name.IndexOf('.', start);
        if (dot <= start || dot - start > 9)
            return false;
        var digits = name.AsSpan(start, dot - start);
        foreach (char ch in digits)
            if (ch is < '0' or > '9')
                return false;
        if (digits.Length > 1 && digits[0] == '0')
            return false;
        if (HookPoints.Find(HookScope.Block, name.AsSpan(dot + 1)) is not { } b)
            return false;
        point = b;
        layer = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Parses a full hook name into its point and layer.</summary>
    /// <exception cref="HookException">Not a hook name.</exception>
    public static (HookPoint Point, int? Layer) Parse(string name) =>
        TryParse(name, out var p, out var l) ? (p, l) : throw new HookException($"'{name}' is not a hook name");

    /// <summary>Parses the layer index of a block-level name, or null for model-level names.</summary>
    public static int? LayerOf(string name)
    {
        if (!name.StartsWith(BlockPrefix, StringComparison.Ordinal))
            return null;
        int start = BlockPrefix.Length,
            end = name.IndexOf('.', start);
        return
            end > start
            && int.TryParse(
                name.AsSpan(start, end - start),
                NumberStyles.Integer,
                CultureInfo.InvariantCulture,
                out int l
            )
            ? l
            : null;
    }

    /// <summary>Throws <see cref="HookException"/> unless <paramref name="name"/> is a hook point of the model; the
    /// message suggests the closest valid name.</summary>
    /// <exception cref="HookException">The name is unknown.</exception>
    public static void Require(string name, IReadOnlyList<string> valid)
    {
        if (valid.Contains(name))
            return;
        string best = valid.MinBy(v => Levenshtein(v, name)) ?? "";
        throw new HookException($"unknown hook name '{name}'; did you mean '{best}'? (glassbox info lists every hook)");
    }

    /// <summary>True when <paramref name="name"/> matches a glob pattern with <c>*</c> (any run of characters) and
    /// <c>?</c> (one character), e.g. <c>blocks.*.attn.hook_pattern</c>.</summary>
    public static bool Matches(string pattern, string name)
    {
        int p = 0,
            n = 0,
            star = -1,
            mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
                return false;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    internal static int Levenshtein(string a, string b) => Glassbox.EditDistance.Levenshtein(a, b);
}
