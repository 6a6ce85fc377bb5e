using Glassbox.Models;

namespace Glassbox.Hooks;

/// <summary>The symbolic and concrete shape of every hook point, e.g. <c>[batch, head, q, k]</c>.</summary>
public static class HookShapes
{
    /// <summary>Symbolic dimension names of hook <paramref name="name"/>.</summary>
    /// <exception cref="HookException">Not a hook name.</exception>
    public static IReadOnlyList<string> Symbolic(string name)
    {
        string leaf = name[(name.LastIndexOf('.') + 1)..];
        bool attn = name.Contains(".attn.", StringComparison.Ordinal);
        return leaf switch
        {
            "hook_embed" or "hook_pos_embed" or "hook_token_type_embed" or "hook_resid_pre" or "hook_resid_mid"
                or "hook_resid_post" or "hook_attn_out" or "hook_mlp_out" or "hook_normalized" => new[] { "batch", "pos", "d_model" },
            "hook_scale" => new[] { "batch", "pos", "1" },
            "hook_q" or "hook_rot_q" or "hook_z" => new[] { "batch", "pos", "head", "d_head" },
            "hook_k" or "hook_v" or "hook_rot_k" => new[] { "batch", "pos", "kv_head", "d_head" },
            "hook_attn_scores" or "hook_pattern" => new[] { "batch", "head", "q", "k" },
            "hook_result" when attn => new[] { "batch", "pos", "head", "d_model" },
            "hook_pre" or "hook_pre_linear" or "hook_post" => new[] { "batch", "pos", "d_mlp" },
            _ => throw new HookException($"'{name}' is not a hook name"),
        };
    }

    /// <summary>Concrete shape for a batch of <paramref name="batch"/> sequences of <paramref name="pos"/> tokens.</summary>
    public static long[] Concrete(string name, ModelConfig c, long batch, long pos) =>
        Symbolic(name).Select(d => d switch
        {
            "batch" => batch, "pos" or "q" or "k" => pos, "d_model" => c.DModel, "head" => c.NHeads, "kv_head" => c.KvHeads,
            "d_head" => c.HeadDim, "d_mlp" => c.DMlp, "1" => 1L, _ => throw new InvalidOperationException(d),
        }).ToArray();

    /// <summary>"[batch, pos, d_model]".</summary>
    public static string Text(string name) => "[" + string.Join(", ", Symbolic(name)) + "]";
}
