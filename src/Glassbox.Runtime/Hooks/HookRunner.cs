using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Hooks;

/// <summary>
/// The per-run hook state: which names are cached, which hooks fire where. Built once per forward; the model
/// calls <see cref="Apply"/> at every hook point. Resolution of names to hooks is cached per name.
/// </summary>
internal sealed class HookRunner
{
    private readonly IReadOnlyList<Hook> _hooks;
    private readonly Func<string, bool>? _cacheFilter;
    private readonly Dictionary<string, HookFunction[]> _resolved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _cached = new(StringComparer.Ordinal);

    public HookRunner(
        IReadOnlyList<Hook> hooks,
        Func<string, bool>? cacheFilter,
        ActivationCache? cache,
        bool keepGradients,
        Func<string, Tensor, Tensor>? reduce = null
    )
    {
        _hooks = hooks;
        _cacheFilter = cacheFilter;
        Cache = cache;
        KeepGradients = keepGradients;
        _reduce = reduce;
    }

    private readonly Func<string, Tensor, Tensor>? _reduce;

    /// <summary>No hooks and no cache: the fastest path.</summary>
    public static HookRunner None { get; } = new(Array.Empty<Hook>(), null, null, false);

    public ActivationCache? Cache { get; }

    /// <summary>Which attention kernel the run uses (<see cref="RunOptions.Attention"/>).</summary>
    public AttentionKernel Attention { get; init; }
    public bool KeepGradients { get; }

    /// <summary>Whether any hook or the cache wants <paramref name="point"/> at <paramref name="layer"/> (so the model
    /// must materialise it).</summary>
    public bool Wants(HookPoint point, int? layer) => Wants(point.Name(layer));

    /// <summary>Whether a hook function (not only the cache) is registered for <paramref name="point"/> at
    /// <paramref name="layer"/>, i.e. whether the activation may be changed.</summary>
    public bool HasFunctions(HookPoint point, int? layer) => Resolve(point.Name(layer)).Length > 0;

    private bool Wants(string name) => Resolve(name).Length > 0 || IsCached(name);

    private bool IsCached(string name)
    {
        if (Cache is null || _cacheFilter is null)
            return false;
        if (!_cached.TryGetValue(name, out bool c))
            _cached[name] = c = _cacheFilter(name);
        return c;
    }

    private HookFunction[] Resolve(string name)
    {
        if (_hooks.Count == 0)
            return Array.Empty<HookFunction>();
        if (!_resolved.TryGetValue(name, out var fns))
            _resolved[name] = fns = _hooks
                .Where(h => h.Pattern == name || HookName.Matches(h.Pattern, name))
                .Select(h => h.Function)
                .ToArray();
        return fns;
    }

    /// <summary>Hands the cache a region of <paramref name="block"/> (a float32 tensor of the run's own memory that nothing
    /// writes to again) for <paramref name="point"/> at <paramref name="layer"/>, when only the cache wants it there: no
    /// hook function is bound, gradients are not kept, nothing is reduced or spilled. The cache makes the tensor (a
    /// view, <paramref name="shape"/> with <paramref name="strides"/> from <paramref name="offset"/>) when it is read.
    /// Returns false when the point must go through <see cref="Apply"/> instead (or is not wanted).</summary>
    public bool KeepView(HookPoint point, int? layer, Tensor block, long offset, long[] shape, long[] strides)
    {
        if (Cache is null || KeepGradients || _reduce is not null || !Cache.HoldsViews)
            return false;
        string name = point.Name(layer);
        if (!IsCached(name) || Resolve(name).Length > 0)
            return false;
        Cache.AddView(name, block, offset, shape, strides);
        return true;
    }

    /// <summary>Fires hook point <paramref name="point"/> at <paramref name="layer"/> (null for model-level points) on
    /// <paramref name="x"/>: runs the hooks bound to its name in order, then records the result if cached. Returns the
    /// activation to use from here on (same shape as <paramref name="x"/>).</summary>
    public Tensor Apply(HookPoint point, int? layer, Tensor x)
    {
        string name = point.Name(layer);
        int? headDim = point.HeadDim;
        var fns = Resolve(name);
        bool cached = IsCached(name);
        if (fns.Length == 0 && !cached)
            return x;
        var ctx = new HookContext(name, layer, headDim);
        foreach (var fn in fns)
        {
            var y = fn(x, ctx);
            if (y is null)
                continue;
            if (!y.shape.SequenceEqual(x.shape))
                throw new HookException(
                    $"hook on '{name}' returned shape [{string.Join(", ", y.shape)}], expected [{string.Join(", ", x.shape)}]"
                );
            x = y.dtype == x.dtype ? y : y.to_type(x.dtype);
        }
        if (cached)
        {
            if (KeepGradients && x.requires_grad)
            {
                // The alias is what flows on, so backward fills its .grad; the cache owns the alias.
                x = x.alias();
                x.retain_grad();
                x.DetachFromDisposeScope();
                Cache!.Add(name, x);
            }
            else
            {
                // A reduced activation is cloned, so that a view (e.g. the last position) does not keep the whole
                // activation's storage alive.
                var kept = _reduce is null ? x.detach() : _reduce(name, x.detach()).detach().clone();
                kept.DetachFromDisposeScope();
                Cache!.Add(name, kept);
            }
        }
        return x;
    }
}
