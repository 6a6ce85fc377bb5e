using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Hooks;

/// <summary>Where a hook point lives: once per model, or once in every block.</summary>
public enum HookScope
{
    /// <summary>Model-level, named by its leaf alone (e.g. <c>ln_final.hook_scale</c>).</summary>
    Model,

    /// <summary>Per block, named <c>blocks.{layer}.{leaf}</c>.</summary>
    Block,
}

/// <summary>
/// The descriptor of one hook point: its leaf name as TransformerLens spells it, its scope, its symbolic shape, what it
/// is, and in which models it exists. <see cref="HookPoints"/> lists every one; the forward, <see cref="HookName.All"/>,
/// <see cref="HookShapes"/> and name validation all derive from that table. Descriptors are singletons (reference
/// equality).
/// </summary>
public sealed class HookPoint
{
    private readonly Func<ModelConfig, bool> _present;
    private readonly Func<ModelConfig, HookPoint?>? _anchor;
    private readonly object _gate = new();
    private string[] _blockNames = Array.Empty<string>();

    internal HookPoint(
        string leaf,
        HookScope scope,
        string[] shape,
        string description,
        Func<ModelConfig, bool> present,
        bool optIn = false,
        Func<ModelConfig, HookPoint?>? anchor = null
    )
    {
        Leaf = leaf;
        Scope = scope;
        Shape = shape;
        Description = description;
        OptIn = optIn;
        _present = present;
        _anchor = anchor;
        int head = Array.FindIndex(shape, d => d is "head" or "kv_head");
        HeadDim = head >= 0 ? head : null;
        ShortName = leaf[(leaf.LastIndexOf(HookPrefix, StringComparison.Ordinal) + HookPrefix.Length)..];
    }

    private const string HookPrefix = "hook_";

    /// <summary>Leaf name, e.g. <c>hook_resid_pre</c>, <c>attn.hook_z</c>, <c>ln_final.hook_normalized</c>.</summary>
    public string Leaf { get; }

    /// <summary>Model-level or per block.</summary>
    public HookScope Scope { get; }

    /// <summary>Symbolic shape, e.g. <c>[batch, pos, head, d_head]</c>; dimension names are batch, pos, q, k (query and
    /// key positions), head, kv_head, d_head, d_model, d_mlp and 1.</summary>
    public IReadOnlyList<string> Shape { get; }

    /// <summary>One line saying what the activation is.</summary>
    public string Description { get; }

    /// <summary>Computed only when asked for (a hook, the cache filter or <see cref="RunOptions.UseAttnResult"/>);
    /// a default cache leaves it out.</summary>
    public bool OptIn { get; }

    /// <summary>Index of the head dimension (<c>head</c> or <c>kv_head</c>) in <see cref="Shape"/>, or null.</summary>
    public int? HeadDim { get; }

    /// <summary>The leaf without its component and <c>hook_</c> prefix, e.g. <c>resid_pre</c>, <c>z</c>, <c>pattern</c>
    /// (the spelling of CLI options such as <c>--hook</c>).</summary>
    public string ShortName { get; }

    /// <summary>"[batch, pos, d_model]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Whether a model with config <paramref name="c"/> has this hook point.</summary>
    public bool IsPresent(ModelConfig c) => _present(c);

    /// <summary>In models where the point does not fire at its table position, the point it fires right after
    /// (post-norm blocks normalise after each sublayer); null at its table position.</summary>
    internal HookPoint? AnchorIn(ModelConfig c) => _anchor?.Invoke(c);

    /// <summary>Full name of a model-level point (its leaf).</summary>
    /// <exception cref="InvalidOperationException">The point is per block.</exception>
    public string Name() =>
        Scope == HookScope.Model
            ? Leaf
            : throw new InvalidOperationException($"'{Leaf}' is a block hook; give a layer");

    /// <summary>Full name of a block point at <paramref name="layer"/>: <c>blocks.{layer}.{leaf}</c>.</summary>
    /// <exception cref="InvalidOperationException">The point is model-level.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public string Name(int layer)
    {
        if (Scope != HookScope.Block)
            throw new InvalidOperationException($"'{Leaf}' is a model-level hook; it has no layer");
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        var names = _blockNames;
        return layer < names.Length ? names[layer] : Grow(layer);
    }

    /// <summary>Full name at <paramref name="layer"/> (null for model-level points).</summary>
    public string Name(int? layer) => layer is int l ? Name(l) : Name();

    private string Grow(int layer)
    {
        lock (_gate)
        {
            var old = _blockNames;
            if (layer < old.Length)
                return old[layer];
            var names = new string[Math.Max(layer + 1, 2 * old.Length)];
            Array.Copy(old, names, old.Length);
            for (int l = old.Length; l < names.Length; l++)
                names[l] = HookName.BlockPrefix + l.ToString(CultureInfo.InvariantCulture) + "." + Leaf;
            _blockNames = names;
            return names[layer];
        }
    }

    /// <summary>True when <paramref name="fullName"/> is exactly this point's name (at any layer for block points).
    /// The name is parsed, not suffix-matched: <c>blocks.0.attn.hook_z_extra</c> and <c>xhook_embed</c> match nothing.</summary>
    public bool Matches(string fullName) =>
        HookName.TryParse(fullName, out var point, out _) && ReferenceEquals(point, this);

    /// <summary>Concrete shape for <paramref name="batch"/> sequences of <paramref name="pos"/> tokens.</summary>
    public long[] ShapeFor(ModelConfig c, long batch, long pos) =>
        Shape
            .Select(d =>
                d switch
                {
                    "batch" => batch,
                    "pos" or "q" or "k" => pos,
                    "d_model" => c.DModel,
                    "head" => c.NHeads,
                    "kv_head" => c.KvHeads,
                    "d_head" => c.HeadDim,
                    "d_mlp" => c.DMlp,
                    "1" => 1L,
                    _ => throw new InvalidOperationException(d),
                }
            )
            .ToArray();

    /// <summary>The leaf name.</summary>
    public override string ToString() => Leaf;
}
