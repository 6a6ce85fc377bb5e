using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models.Components;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>The result of a cached run: the model output and the activations. Dispose it to free both.</summary>
/// <param name="Output">Logits [batch, pos, d_vocab] for language models, the last hidden state
/// [batch, pos, d_model] for encoders, or the residual entering block <c>StopAtLayer</c>.</param>
/// <param name="Cache">Recorded activations.</param>
public sealed record CachedRun(Tensor Output, ActivationCache Cache) : IDisposable
{
    /// <summary>Frees the output and the cache.</summary>
    public void Dispose()
    {
        Output.Dispose();
        Cache.Dispose();
    }
}

/// <summary>
/// One transformer runtime for every supported family (GPT-2, Llama/Qwen2, BERT, GPT-NeoX), driven by a
/// <see cref="ModelConfig"/> and canonical weights (<see cref="ParameterLayout"/>), with a hook point on every
/// activation (<see cref="HookName.All"/>). Not thread-safe; one forward at a time.
/// </summary>
public sealed partial class HookedTransformer : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights;
    private readonly BlockWeights[] _blocks;
    private readonly Rotary? _rotary;
    private readonly IReadOnlyList<string> _hookNames;

    /// <summary>Architecture-neutral configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>Tokenizer, or null when the model was loaded without one (token ids still work).</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>Display name (known model name or source path).</summary>
    public string Name { get; }

    /// <summary>Where the weights came from (for manifests), if known.</summary>
    public ModelSource? Source { get; private init; }

    /// <summary>Device of the weights.</summary>
    public Device Device { get; }

    /// <summary>Weights by canonical name (owned by the model; do not dispose). A layer-streaming model
    /// (<see cref="StreamsLayers"/>) holds only the embeddings, final norm and unembedding; asking it for a block's
    /// weight throws an <see cref="InputException"/>.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _resident ?? (IReadOnlyDictionary<string, Tensor>)_weights;

    /// <summary>The weights' and the forward's dtype (see <see cref="Placement"/>).</summary>
    public ScalarType DType => _weights["embed.W_E"].dtype;

    /// <summary>Every hook point, in execution order (includes the opt-in <c>attn.hook_result</c>).</summary>
    public IReadOnlyList<string> HookNames => _hookNames;

    /// <summary>Total number of parameters (tied matrices counted once).</summary>
    public long ParameterCount =>
        _stream is null
            ? _weights.Values.Sum(t => t.numel())
            : ParameterLayout.For(Config).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    private HookedTransformer(
        ModelConfig config,
        Dictionary<string, Tensor> weights,
        ITokenizer? tokenizer,
        string name,
        Device device,
        LayerStream? stream = null
    )
    {
        Config = config;
        _stream = stream;
        _resident = stream is null ? null : new ResidentWeights(weights);
        _weights = weights;
        Tokenizer = tokenizer;
        Name = name;
        Device = device;
        // Fusing Q/K/V copies them and frees the parts: large models trim the heap after each block, so the freed parts
        // do not stay resident (peak memory while loading, docs/scale.md).
        bool large = weights.Values.Sum(t => t.NumberOfElements * t.ElementSize) > 256L << 20;
        _blocks = stream is not null
            ? new BlockWeights[config.NLayers] // read from the checkpoint per forward (StreamedBlock)
            : Enumerable
                .Range(0, config.NLayers)
                .Select(l =>
                {
                    var block = BlockWeights.From(weights, l);
                    if (large)
                        NativeHeap.Trim();
                    return block;
                })
                .ToArray();
        _rotary =
            config.Positions == PositionKind.Rotary
                ? new Rotary(config.NCtx, config.RotaryWidth, config.RotaryBase, device)
                : null;
        _hookNames = HookName.All(config);
    }

    /// <summary>Builds a model from a config and canonical weights, checking names and shapes strictly.</summary>
    /// <param name="config">Model config (validated).</param>
    /// <param name="weights">Canonical weights; the model takes ownership (tensors are converted/moved as needed).</param>
    /// <param name="tokenizer">Optional tokenizer.</param>
    /// <param name="name">Display name.</param>
    /// <param name="dtype">Weight dtype (float32 by default; float16/bfloat16 for large models).</param>
    /// <param name="device">Device (CPU by default).</param>
    /// <param name="source">Provenance for manifests.</param>
    /// <exception cref="ConfigException">The config is inconsistent.</exception>
    /// <exception cref="WeightMismatchException">Weights are missing, unexpected or misshapen (all are listed).</exception>
    public static HookedTransformer Create(
        ModelConfig config,
        IReadOnlyDictionary<string, Tensor> weights,
        ITokenizer? tokenizer = null,
        string name = "model",
        ScalarType dtype = ScalarType.Float32,
        Device? device = null,
        ModelSource? source = null
    ) => Build(config, weights, tokenizer, name, dtype, device, source, null);

    private static HookedTransformer Build(
        ModelConfig config,
        IReadOnlyDictionary<string, Tensor> weights,
        ITokenizer? tokenizer,
        string name,
        ScalarType dtype,
        Device? device,
        ModelSource? source,
        LayerStream? stream
    )
    {
        config = Families.ConfigNormalization.Normalize(config.Validate());
        var problems = new List<string>();
        var layout = ParameterLayout
            .For(config)
            .Where(p => stream is null || !LayerStream.IsBlockWeight(p.Name))
            .ToList();
        var expected = layout.Select(p => p.Name).ToHashSet();
        foreach (var spec in layout)
        {
            if (!weights.TryGetValue(spec.Name, out var t))
                problems.Add($"missing '{spec.Name}' {spec.ShapeText}");
            else if (!t.shape.SequenceEqual(spec.Shape))
                problems.Add($"'{spec.Name}' has shape [{string.Join(", ", t.shape)}], expected {spec.ShapeText}");
        }
        foreach (var k in weights.Keys.Where(k => !expected.Contains(k)).Order())
            problems.Add($"unexpected '{k}'");
        if (problems.Count > 0)
            throw new WeightMismatchException(name, problems);
        var dev = device ?? CPU;
        var owned = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var spec in layout)
        {
            var t = weights[spec.Name];
            var moved = t.device == dev && t.dtype == dtype ? t : t.to(dtype, dev);
            if (!ReferenceEquals(moved, t))
                t.Dispose();
            owned[spec.Name] = moved.DetachFromDisposeScope();
        }
        return new HookedTransformer(config, owned, tokenizer, name, dev, stream) { Source = source };
    }

    /// <summary>Plain forward: output [batch, pos, d_vocab] (LMs) or [batch, pos, d_model] (encoders).</summary>
    public Tensor Forward(TokenBatch batch, RunOptions? options = null) =>
        Run(batch, Array.Empty<Hook>(), null, options).Output;

    /// <summary>Forward that records every activation whose name passes <paramref name="filter"/>. When null, every
    /// hook point is recorded except the opt-in <c>attn.hook_result</c> (unless <see cref="RunOptions.UseAttnResult"/>).</summary>
    public CachedRun RunWithCache(TokenBatch batch, Func<string, bool>? filter = null, RunOptions? options = null)
    {
        bool withResult = options?.UseAttnResult ?? false;
        return Run(batch, Array.Empty<Hook>(), filter ?? (withResult ? All : DefaultCacheFilter), options);
    }

    private static readonly Func<string, bool> All = _ => true;

    /// <summary>Every hook name but per-head results, as a set built once per model: parsing all names on every run
    /// cost about 1 % of a batch-1 MiniLM forward.</summary>
    private Func<string, bool> DefaultCacheFilter =>
        _defaultCacheFilter ??= _hookNames
            .Where(n => !HookPoints.AttnResult.Matches(n))
            .ToHashSet(StringComparer.Ordinal)
            .Contains;

    private Func<string, bool>? _defaultCacheFilter;

    /// <summary>Forward with hooks that may read or replace activations. Hooks on one name run in the given order.</summary>
    /// <exception cref="HookException">A hook pattern matches no hook point (with a suggestion), or a hook returns a wrong shape.</exception>
    public Tensor RunWithHooks(TokenBatch batch, IEnumerable<Hook> hooks, RunOptions? options = null) =>
        Run(batch, hooks.ToList(), null, options).Output;

    /// <summary>The general run: hooks and caching together.</summary>
    public CachedRun Run(
        TokenBatch batch,
        IReadOnlyList<Hook> hooks,
        Func<string, bool>? cacheFilter,
        RunOptions? options = null
    )
    {
        var opt = options ?? RunOptions.Default;
        CheckInput(batch, opt);
        foreach (var h in hooks)
            if (!_hookNames.Any(n => HookName.Matches(h.Pattern, n)))
                HookName.Require(h.Pattern, _hookNames);
        var cache = new ActivationCache(opt.CacheSpill, cacheFilter is null ? 0 : _hookNames.Count);
        var runner =
            hooks.Count == 0 && cacheFilter is null && opt.Attention == AttentionKernel.Auto
                ? HookRunner.None
                : new HookRunner(hooks, cacheFilter, cache, opt.KeepGradients, opt.CacheReducer)
                {
                    Attention = opt.Attention,
                };
        try
        {
            using var grad = opt.KeepGradients ? enable_grad() : no_grad();
            using var scope = NewDisposeScope();
            bool managed = UsesManagedEncoder(runner, opt);
            if (managed)
                Interlocked.Increment(ref _managedRuns);
            var output = managed
                ? Encode.ManagedEncoder.Forward(this, batch, runner, opt.PackedWeights)
                : Float32Output(ForwardCore(batch, runner, opt));
            if (!opt.KeepGradients && !opt.AllowNonFinite && !(managed && Encode.ManagedEncoder.AllFinite(output)))
                NonFiniteOutput.Check(Name, output, () => FirstNonFiniteHook(batch, hooks, opt));
            return new CachedRun(output.MoveToOuterDisposeScope(), cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>The output in float32: a float16/bfloat16 model computes in its dtype and hands its logits (or final
    /// states) back in float32, as Hugging Face's causal LMs upcast their logits; cached activations and hooks keep the
    /// model's dtype.</summary>
    private static Tensor Float32Output(Tensor output) =>
        Components.Norm.IsHalf(output.dtype) ? output.to_type(ScalarType.Float32) : output;

    /// <summary>Reruns the forward with the same hooks plus a reader that notes the first hook point whose activation
    /// holds NaN or infinity (hooks fire in execution order). Only called after an output was found non-finite.</summary>
    private string? FirstNonFiniteHook(TokenBatch batch, IReadOnlyList<Hook> hooks, RunOptions opt)
    {
        string? first = null;
        var reader = Hook.Read("*", (x, ctx) =>
        {
            if (first is null && NonFiniteOutput.Count(x) > 0)
                first = ctx.Name;
        });
        using var cache = new ActivationCache();
        using var scope = NewDisposeScope();
        ForwardCore(
            batch,
            new HookRunner(hooks.Append(reader).ToList(), null, cache, false) { Attention = opt.Attention },
            opt
        );
        return first;
    }

    /// <summary>Rows × d_model × d_mlp below which a forward's block products run on one MKL thread: at two threads MKL
    /// splits even an 18×64 by 64×172 product and pays an OpenMP wake-up for it (stories260K's one-patch-per-forward
    /// loop: 88-98 ms held against 327-341 ms not; docs/benchmarks.md). MiniLM at batch 1 (8.3M) stays above it.</summary>
    private const long SmallProduct = 1L << 22;

    /// <summary>MKL held to one thread for a forward over <paramref name="rows"/> token rows whose block products are
    /// small (every forward path takes it: the full one and the KV-cached one); otherwise nothing.</summary>
    private MklGemm.OneThread HoldMklIfSmall(long rows) =>
        Device.type == DeviceType.CPU && rows * Config.DModel * Math.Max(Config.DMlp, Config.DModel) < SmallProduct
            ? MklGemm.HoldOneThread()
            : default;

    private Tensor ForwardCore(TokenBatch batch, HookRunner run, RunOptions opt)
    {
        var c = Config;
        long b = batch.Ids.shape[0],
            p = batch.Ids.shape[1];
        using var oneThread = HoldMklIfSmall(b * p);
        var pos = batch.PositionIds.device == Device ? batch.PositionIds : batch.PositionIds.to(Device);
        var resid = StartStream(batch, pos, run, opt); // [batch, pos, d_model]
        Tensor? mask = null; // [batch, 1, q, k]
        if (batch.HasPadding)
        {
            var keys = batch.Mask.to(Device).view(b, 1, 1, p);
            mask = c.Causal ? keys.logical_and(Attention.CausalMask(p, Device)) : keys.expand(b, 1, p, p);
            // A query always sees itself, so padded rows never become all-masked (no NaN leaks into real tokens).
            mask = mask.logical_or(eye(p, dtype: ScalarType.Bool, device: Device).view(1, 1, p, p));
        }
        var windowed = Attention.SlidingWindowMask(mask, p, c.SlidingWindow, Device); // [batch or 1, 1, q, k], null when no window cuts anything
        int stop = Math.Min(opt.StopAtLayer ?? c.NLayers, c.NLayers); // CheckInput rejects values outside 0..n_layers
        for (int l = opt.StartAtLayer ?? 0; l < stop; l++)
            resid = Block(
                resid,
                l,
                pos,
                windowed is not null && c.IsSlidingLayer(l) ? windowed : mask,
                run,
                opt.UseAttnResult
            );
        return opt.StopAtLayer is not null ? resid : Head(resid, run);
    }

    private Tensor Block(
        Tensor resid,
        int l,
        Tensor pos,
        Tensor? mask,
        HookRunner run,
        bool useResult,
        LayerKv? kv = null
    )
    {
        var c = Config;
        using var streamed = _stream?.Load(l, Device); // a layer-streaming model reads the block now, frees it on return
        var w = streamed?.Weights ?? _blocks[l];
        resid = run.Apply(HookPoints.ResidPre, l, resid);
        bool causalOnly = mask is null && c.Causal && kv is null;
        if (c.PostNorm)
        {
            var a = run.Apply(
                HookPoints.AttnOut,
                l,
                Attention.Forward(resid, w, c, _rotary, pos, mask, causalOnly, run, l, useResult, kv)
            );
            var mid = Norm.Apply(
                resid.Plus(a),
                NormKind.LayerNorm,
                w.ln1_w,
                w.ln1_b,
                c.NormEps,
                run,
                HookPoints.Ln1Scale,
                HookPoints.Ln1Normalized,
                l
            );
            mid = run.Apply(HookPoints.ResidMid, l, mid);
            if (!c.HasMlp)
                return run.Apply(HookPoints.ResidPost, l, mid);
            var m = run.Apply(HookPoints.MlpOut, l, Mlp.Forward(mid, w, c, run, l));
            var post = Norm.Apply(
                mid.Plus(m),
                NormKind.LayerNorm,
                w.ln2_w,
                w.ln2_b,
                c.NormEps,
                run,
                HookPoints.Ln2Scale,
                HookPoints.Ln2Normalized,
                l
            );
            return run.Apply(HookPoints.ResidPost, l, post);
        }
        var x1 = Norm.Apply(
            resid,
            c.Norm,
            w.ln1_w,
            w.ln1_b,
            c.NormEps,
            run,
            HookPoints.Ln1Scale,
            HookPoints.Ln1Normalized,
            l
        );
        var attn = run.Apply(
            HookPoints.AttnOut,
            l,
            Attention.Forward(x1, w, c, _rotary, pos, mask, causalOnly, run, l, useResult, kv)
        );
        if (c.ParallelAttnMlp && c.HasMlp)
        {
            var x2 = Norm.Apply(
                resid,
                c.Norm,
                w.ln2_w,
                w.ln2_b,
                c.NormEps,
                run,
                HookPoints.Ln2Scale,
                HookPoints.Ln2Normalized,
                l
            );
            var mlp = run.Apply(HookPoints.MlpOut, l, Mlp.Forward(x2, w, c, run, l));
            return run.Apply(HookPoints.ResidPost, l, resid.Plus(attn).Plus(mlp));
        }
        var mid2 = run.Apply(HookPoints.ResidMid, l, resid.Plus(attn));
        if (!c.HasMlp)
            return run.Apply(HookPoints.ResidPost, l, mid2);
        var x3 = Norm.Apply(
            mid2,
            c.Norm,
            w.ln2_w,
            w.ln2_b,
            c.NormEps,
            run,
            HookPoints.Ln2Scale,
            HookPoints.Ln2Normalized,
            l
        );
        var m2 = run.Apply(HookPoints.MlpOut, l, Mlp.Forward(x3, w, c, run, l));
        return run.Apply(HookPoints.ResidPost, l, mid2.Plus(m2));
    }

    private void CheckInput(TokenBatch batch, RunOptions opt)
    {
        if (opt.KeepGradients && opt.CacheReducer is not null)
            throw new InputException("RunOptions: CacheReducer cannot be combined with KeepGradients");
        if (batch.Length > Config.NCtx)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"input has {batch.Length} tokens but {Name} has a context of {Config.NCtx}; truncate or split it"
                )
            );
        var (min, max) = Range(batch.Ids);
        if (max >= Config.DVocab || min < 0)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"token id {(max >= Config.DVocab ? max : min)} is outside the vocabulary of {Name} (0..{Config.DVocab - 1})"
                )
            );
        if (Config.NTokenTypes > 0 && Range(batch.TokenTypeIds).Max >= Config.NTokenTypes)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"token type id out of range 0..{Config.NTokenTypes - 1}")
            );
        if (opt.StopAtLayer is < 0 || opt.StopAtLayer > Config.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"StopAtLayer must be in 0..{Config.NLayers}, got {opt.StopAtLayer}"
                )
            );
        CheckStart(batch, opt);
    }

    /// <summary>Tokenizes texts into a padded batch.</summary>
    /// <exception cref="InputException">The model has no tokenizer, or a text is too long for the context.</exception>
    public TokenBatch Tokenize(
        IReadOnlyList<string> texts,
        PaddingSide side = PaddingSide.Right,
        bool addSpecialTokens = true
    )
    {
        if (Tokenizer is null)
            throw new InputException($"{Name} was loaded without a tokenizer; pass token ids instead of text");
        var seqs = texts.Select(t => (IReadOnlyList<int>)Tokenizer.Encode(t, addSpecialTokens).Ids).ToList();
        return TokenBatch.FromIds(seqs, Tokenizer.PadId ?? Config.PadTokenId ?? 0, side, device: Device);
    }

    /// <summary>The leaf tensors that hold every parameter exactly once, for training: each block's fused
    /// <c>blocks.{l}.attn.W_QKV</c> [(h + 2 kv)*d_head, d_model] (and <c>b_QKV</c>), whose views are the canonical
    /// W_Q/W_K/W_V (b_Q/b_K/b_V), plus every other weight. Updating them in place (under no_grad) updates
    /// <see cref="Weights"/>; set <c>requires_grad_(true)</c> on them and run with <see cref="RunOptions.KeepGradients"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> TrainableLeaves()
    {
        if (_stream is not null)
            throw new InputException($"{Name}: a layer-streaming model cannot be trained; load it without streaming");
        var leaves = new List<KeyValuePair<string, Tensor>>();
        var views = new HashSet<string>(StringComparer.Ordinal);
        for (int l = 0; l < _blocks.Length; l++)
        {
            leaves.Add(new(string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.W_QKV"), _blocks[l].W_QKV));
            foreach (var s in new[] { "W_Q", "W_K", "W_V" })
                views.Add(string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.{s}"));
            if (_blocks[l].b_QKV is { } b)
            {
                leaves.Add(new(string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.b_QKV"), b));
                foreach (var s in new[] { "b_Q", "b_K", "b_V" })
                    views.Add(string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.{s}"));
            }
        }
        foreach (var kv in _weights)
            if (!views.Contains(kv.Key))
                leaves.Add(kv);
        return leaves;
    }

    /// <summary>Frees the weights.</summary>
    public void Dispose()
    {
        foreach (var t in _weights.Values)
            t.Dispose();
        foreach (var b in _blocks)
            b?.Dispose();
        _rotary?.Dispose();
    }
}
