using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Circuits.Patching;

/// <summary>Which activation a sweep patches. Position kinds sweep layer × position; head kinds sweep layer × head
/// (every position of the head at once unless positions are restricted).</summary>
public enum PatchKind
{
    /// <summary><c>blocks.{l}.hook_resid_pre</c> [batch, pos, d_model], swept over layer × position.</summary>
    ResidPre,

    /// <summary><c>blocks.{l}.hook_resid_post</c> [batch, pos, d_model], swept over layer × position.</summary>
    ResidPost,

    /// <summary><c>blocks.{l}.hook_attn_out</c> [batch, pos, d_model], swept over layer × position.</summary>
    AttnOut,

    /// <summary><c>blocks.{l}.hook_mlp_out</c> [batch, pos, d_model], swept over layer × position.</summary>
    MlpOut,

    /// <summary>Head outputs <c>blocks.{l}.attn.hook_z</c> [batch, pos, head, d_head], swept over layer × head.</summary>
    Z,

    /// <summary>Attention patterns <c>blocks.{l}.attn.hook_pattern</c> [batch, head, q, k], swept over layer × head.</summary>
    Pattern,
}

/// <summary>Denoising patches clean activations into the corrupted run (what is sufficient to restore behaviour);
/// noising patches corrupted activations into the clean run (what is necessary).</summary>
public enum PatchMode
{
    /// <summary>Run the corrupted input, patch in clean activations.</summary>
    Denoise,

    /// <summary>Run the clean input, patch in corrupted activations.</summary>
    Noise,
}

/// <summary>Names, parsing and hook names of <see cref="PatchKind"/>.</summary>
public static class PatchKinds
{
    private static readonly HookPoint[] Points =
    {
        HookPoints.ResidPre,
        HookPoints.ResidPost,
        HookPoints.AttnOut,
        HookPoints.MlpOut,
        HookPoints.AttnZ,
        HookPoints.AttnPattern,
    };

    /// <summary>The CLI spellings, in <see cref="PatchKind"/> order: each hook point's <see cref="HookPoint.ShortName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = Points.Select(p => p.ShortName).ToArray();

    /// <summary>Parses a CLI spelling (e.g. <c>resid_pre</c>, <c>z</c>).</summary>
    /// <exception cref="InputException">Unknown spelling (the valid ones are listed).</exception>
    public static PatchKind Parse(string text)
    {
        int i = Names.ToList().IndexOf(text.Trim().ToLowerInvariant());
        if (i < 0)
            throw new InputException($"--hook: unknown hook kind '{text}'; use one of {string.Join(", ", Names)}");
        return (PatchKind)i;
    }

    /// <summary>The CLI spelling of a kind.</summary>
    public static string Name(this PatchKind kind) => Names[(int)kind];

    /// <summary>The hook point a kind patches.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined kind.</exception>
    public static HookPoint Point(this PatchKind kind) =>
        (uint)kind < (uint)Points.Length ? Points[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind));

    /// <summary>True for the per-head kinds (<see cref="PatchKind.Z"/>, <see cref="PatchKind.Pattern"/>): those whose
    /// hook point has a head dimension.</summary>
    public static bool IsPerHead(this PatchKind kind) => kind.Point().HeadDim is not null;

    /// <summary>The hook name of <paramref name="kind"/> at <paramref name="layer"/>.</summary>
    public static string Hook(this PatchKind kind, int layer) => kind.Point().Name(layer);

    /// <summary>Checks the model has this kind of activation (e.g. attention-only models have no MLP output).</summary>
    /// <exception cref="InputException">The model lacks it.</exception>
    public static void Require(this PatchKind kind, HookedTransformer model)
    {
        if (model.Config.NLayers == 0 || !model.HookNames.Contains(kind.Hook(0)))
            throw new InputException(
                $"{model.Name} has no '{kind.Hook(0)}' hook; --hook {kind.Name()} does not apply to it"
            );
    }
}
