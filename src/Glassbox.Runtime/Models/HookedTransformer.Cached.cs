using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models.Components;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

// The KV-cached forward of causal models: a prompt (left-padded when several) is prefilled into a KeyValueCache,
// then each step runs only the new tokens through the same Embed/Block/Head path as the full forward, so hooks fire
// as usual (on the new positions only; attention scores/pattern span every cached key).
public sealed partial class HookedTransformer
{
    /// <summary>An empty KV cache for <paramref name="batchSize"/> sequences of this (causal) model.</summary>
    /// <param name="batchSize">Number of sequences the cached runs will carry.</param>
    /// <param name="capacity">Most positions (padding included); the context length when null.</param>
    /// <exception cref="InputException">The model is not causal, or a size is out of range.</exception>
    public KeyValueCache NewCache(int batchSize, int? capacity = null)
    {
        if (!Config.Causal)
            throw new InputException($"{Name} is not a causal model; a KV cache only serves causal attention");
        if (batchSize < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"KV cache batch size must be >= 1, got {batchSize}")
            );
        int cap = capacity ?? Config.NCtx;
        if (cap < 1 || cap > Config.NCtx)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"KV cache capacity must be in 1..{Config.NCtx}, got {cap}")
            );
        return new KeyValueCache(this, batchSize, cap);
    }

    /// <summary>Runs the new tokens of <paramref name="batch"/> after everything already in <paramref name="cache"/>
    /// and appends their keys and values. The first call (the prompt) may be left-padded; later calls add the same
    /// number of tokens to every sequence. Position ids continue from each sequence's real tokens, padding is never
    /// attended to, and sliding-window layers see only their window, so each row's logits equal those of the full
    /// forward of its unpadded tokens. Runs without gradients.</summary>
    /// <param name="batch">New tokens [batch, new_pos]; its position ids count from 0 and are offset here.</param>
    /// <param name="cache">Cache made by <see cref="NewCache"/> for this model and batch size.</param>
    /// <param name="hooks">Hooks, as in <see cref="Run"/>; they see the new positions only.</param>
    /// <param name="cacheFilter">Activations to record (new positions only); null records none.</param>
    /// <param name="options">Run options (<see cref="RunOptions.KeepGradients"/> and
    /// <see cref="RunOptions.StopAtLayer"/> are not supported here).</param>
    /// <returns>Logits [batch, new_pos, d_vocab] and the recorded activations.</returns>
    /// <exception cref="InputException">The cache belongs to another model or batch size, the tokens overflow the
    /// context, the batch is padded after the prompt or on the right, or an option is unsupported.</exception>
    public CachedRun RunCached(
        TokenBatch batch,
        KeyValueCache cache,
        IReadOnlyList<Hook>? hooks = null,
        Func<string, bool>? cacheFilter = null,
        RunOptions? options = null
    )
    {
        var opt = options ?? RunOptions.Default;
        hooks ??= Array.Empty<Hook>();
        if (opt.KeepGradients || opt.StopAtLayer is not null)
            throw new InputException("the KV-cached forward supports neither KeepGradients nor StopAtLayer");
        cache.Check(this, batch.BatchSize, batch.Length);
        if (batch.HasPadding && (cache.Length > 0 || batch.Side != PaddingSide.Left))
            throw new InputException(
                cache.Length > 0
                    ? "after the prompt every sequence must add the same number of tokens (no padding)"
                    : "prompts of different lengths must be padded on the left for a KV cache"
            );
        CheckInput(batch, opt);
        foreach (var h in hooks)
            if (!_hookNames.Any(n => HookName.Matches(h.Pattern, n)))
                HookName.Require(h.Pattern, _hookNames);
        var acts = new ActivationCache(opt.CacheSpill);
        var runner =
            hooks.Count == 0 && cacheFilter is null && opt.Attention == AttentionKernel.Auto
                ? HookRunner.None
                : new HookRunner(hooks, cacheFilter, acts, keepGradients: false, opt.CacheReducer)
                {
                    Attention = opt.Attention,
                };
        try
        {
            using var grad = no_grad();
            using var scope = NewDisposeScope();
            var output = Float32Output(ForwardCached(batch, cache, runner, opt)); // [batch, new_pos, d_vocab]
            if (!opt.AllowNonFinite)
                NonFiniteOutput.Check(Name, output, () => null);
            return new CachedRun(output.MoveToOuterDisposeScope(), acts);
        }
        catch
        {
            acts.Dispose();
            throw;
        }
    }

    /// <summary>Logits of the new positions [batch, new_pos, d_vocab]; advances the cache when every layer ran.</summary>
    private Tensor ForwardCached(TokenBatch batch, KeyValueCache kv, HookRunner run, RunOptions opt)
    {
        var c = Config;
        long b = batch.Ids.shape[0],
            n = batch.Ids.shape[1],
            t0 = kv.Length,
            total = t0 + n;
        using var oneThread = HoldMklIfSmall(b * n);
        var offsets = tensor(kv.NextPositions.ToArray(), new long[] { b, 1 }, device: Device);
        var pos = batch.PositionIds.to(Device).Plus(offsets); // [batch, new_pos]
        var resid = StartStream(batch, pos, run, opt); // [batch, new_pos, d_model]
        var newMask = batch.Mask.to(Device); // [batch, new_pos]
        var keyMask = t0 == 0 ? newMask : cat(new[] { kv.Mask, newMask }, 1); // [batch, cached + new_pos]
        var kIdx = ScalarMath.Arange(total, device: Device).view(1, total); // key padded index
        var qIdx = ScalarMath.Arange(t0, total, device: Device).view(n, 1); // query padded index
        var mask = keyMask
            .view(b, 1, 1, total)
            .logical_and(kIdx.le(qIdx).view(1, 1, n, total))
            // A query always sees itself, so padded rows never become all-masked (as in the full forward).
            .logical_or(kIdx.eq(qIdx).view(1, 1, n, total)); // [batch, 1, new_pos, cached + new_pos]
        Tensor? windowed = null;
        if (c.SlidingWindow > 0 && total > c.SlidingWindow)
            windowed = mask.logical_and(kIdx.gt(qIdx.AddScalar(-(long)c.SlidingWindow)).view(1, 1, n, total));
        int start = opt.StartAtLayer ?? 0;
        for (int l = start; l < c.NLayers; l++)
            resid = Block(
                resid,
                l,
                pos,
                windowed is not null && c.IsSlidingLayer(l) ? windowed : mask,
                run,
                opt.UseAttnResult,
                kv.Layer(l)
            );
        var logits = Head(resid, run);
        kv.Advance(newMask, batch.Lengths, start);
        return logits;
    }
}
