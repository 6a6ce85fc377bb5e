using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Patching;

/// <summary>
/// Activation patching: run a base input while replacing chosen activations with those recorded on a source input,
/// and score the output with a <see cref="PatchMetric"/>. <see cref="EvaluateBatched"/> runs many patches in one
/// forward: the base input is replicated along the batch dimension and one hook per hook point writes a different
/// (position/head) slice into each row. <see cref="EvaluateOneByOne"/> is the one-patch-per-forward reference.
/// </summary>
public static class ActivationPatcher
{
    /// <summary>Checks that two prompts can be patched into each other.</summary>
    /// <exception cref="InputException">Empty prompts or different token lengths.</exception>
    public static void CheckPair(IReadOnlyList<int> clean, IReadOnlyList<int> corrupted)
    {
        if (clean.Count == 0 || corrupted.Count == 0)
            throw new InputException("clean and corrupted prompts must not be empty");
        if (clean.Count != corrupted.Count)
            throw new InputException(
                $"clean prompt has {clean.Count} tokens but corrupted prompt has {corrupted.Count}; patching needs the same token length (pick words that tokenize alike)"
            );
    }

    /// <summary>Checks every patch against the model: known hook names, positions and heads in range.</summary>
    /// <exception cref="HookException">A hook name is unknown (with a suggestion).</exception>
    /// <exception cref="InputException">A position or head index is out of range, or heads are given for a hook without heads.</exception>
    public static void CheckSpecs(HookedTransformer model, IReadOnlyList<PatchSpec> specs, int length)
    {
        foreach (var s in specs)
        {
            HookName.Require(s.Hook, model.HookNames);
            if (s.Positions is { } ps)
                foreach (var p in ps)
                    if (p < 0 || p >= length)
                        throw new InputException(
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"position {p} is out of range 0..{length - 1} for {s.Hook}"
                            )
                        );
            if (s.Heads is { } hs)
            {
                var point = HookName.Parse(s.Hook).Point;
                if (point.HeadDim is not int hd)
                    throw new InputException(
                        $"'{s.Hook}' has no head dimension; heads apply to {string.Join(", ", HookPoints.All.Where(p => p.HeadDim is not null).Select(p => p.Leaf))}"
                    );
                long n = point.Shape[hd] == "kv_head" ? model.Config.KvHeads : model.Config.NHeads;
                foreach (var h in hs)
                    if (h < 0 || h >= n)
                        throw new InputException(
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"head {h} is out of range 0..{n - 1} for {s.Hook}"
                            )
                        );
            }
        }
    }

    /// <summary>Records the activations the patches need on the source input (detached, batch 1) and, from the same
    /// forward, the metric of the source run (so the source prompt is never run twice).</summary>
    /// <exception cref="PatchingMetricException">The metric is not finite or has the wrong shape.</exception>
    public static ActivationCache Record(
        HookedTransformer model,
        IReadOnlyList<int> source,
        IEnumerable<string> hooks,
        PatchMetric metric,
        out float score
    )
    {
        var names = hooks.ToHashSet(StringComparer.Ordinal);
        using var batch = TokenBatch.Single(source, model.Device);
        var opt = new RunOptions { UseAttnResult = names.Any(HookPoints.AttnResult.Matches) };
        var run = model.Run(batch, Array.Empty<Hook>(), names.Contains, opt);
        try
        {
            score = metric.Evaluate(run.Output)[0];
        }
        catch
        {
            run.Dispose();
            throw;
        }
        finally
        {
            run.Output.Dispose();
        }
        return run.Cache;
    }

    /// <summary>Scores of <paramref name="baseIds"/> run unpatched.</summary>
    public static float Score(HookedTransformer model, IReadOnlyList<int> baseIds, PatchMetric metric)
    {
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(baseIds, model.Device);
        return metric.Evaluate(model.Forward(batch))[0];
    }

    /// <summary>Metric of the base run under each patch, many patches per forward.</summary>
    /// <param name="model">The model.</param>
    /// <param name="baseIds">Tokens of the run that is patched (the corrupted prompt when denoising).</param>
    /// <param name="source">Activations of the source run (from <see cref="Record"/>), batch 1.</param>
    /// <param name="metric">Metric over logits [batch, pos, vocab].</param>
    /// <param name="specs">The patches; one score each, in order.</param>
    /// <param name="chunkSize">Patches per forward.</param>
    /// <param name="onChunk">Called after each forward with (patches done, total).</param>
    /// <param name="sharePrefix">On a causal model, run only what a patch can change (see
    /// <see cref="SharedPrefixPatcher"/>); false replicates the whole base run in every row.</param>
    public static float[] EvaluateBatched(
        HookedTransformer model,
        IReadOnlyList<int> baseIds,
        ActivationCache source,
        PatchMetric metric,
        IReadOnlyList<PatchSpec> specs,
        int chunkSize = 32,
        Action<int, int>? onChunk = null,
        bool sharePrefix = true
    ) => EvaluateCounting(model, baseIds, source, metric, specs, chunkSize, onChunk, sharePrefix, out _);

    // EvaluateBatched that also says how many patched forwards it ran.
    internal static float[] EvaluateCounting(
        HookedTransformer model,
        IReadOnlyList<int> baseIds,
        ActivationCache source,
        PatchMetric metric,
        IReadOnlyList<PatchSpec> specs,
        int chunkSize,
        Action<int, int>? onChunk,
        bool sharePrefix,
        out int forwards
    )
    {
        if (chunkSize < 1)
            throw new InputException("chunk size must be at least 1");
        CheckSpecs(model, specs, baseIds.Count);
        if (sharePrefix && model.Config.Causal && specs.Count > 0)
            return SharedPrefixPatcher.Evaluate(
                model,
                baseIds,
                source,
                metric,
                specs,
                chunkSize,
                onChunk,
                out forwards
            );
        forwards = (specs.Count + chunkSize - 1) / chunkSize;
        var scores = new float[specs.Count];
        var opt = new RunOptions { UseAttnResult = specs.Any(s => HookPoints.AttnResult.Matches(s.Hook)) };
        for (int start = 0; start < specs.Count; start += chunkSize)
        {
            int n = Math.Min(chunkSize, specs.Count - start);
            var chunk = specs.Skip(start).Take(n).ToList();
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(Enumerable.Repeat(baseIds, n).ToList(), device: model.Device);
            var hooks = chunk
                .Select(s => s.Hook)
                .Distinct(StringComparer.Ordinal)
                .Select(name => new Hook(name, (x, ctx) => PatchRows(x, ctx, source[ctx.Name], chunk)))
                .ToList();
            var logits = model.Run(batch, hooks, null, opt).Output; // [n, pos, vocab]
            var s = metric.Evaluate(logits);
            Array.Copy(s, 0, scores, start, n);
            onChunk?.Invoke(start + n, specs.Count);
        }
        return scores;
    }

    /// <summary>Row i of <paramref name="x"/> takes <paramref name="src"/> where patch i selects it (only patches on
    /// this hook). The mask is built on the CPU in one piece, shaped [rows, ...] with size 1 on every dimension but
    /// the position and head dimensions, and broadcast by <c>where</c>.</summary>
    internal static Tensor PatchRows(Tensor x, HookContext ctx, Tensor src, IReadOnlyList<PatchSpec> chunk)
    {
        int rank = (int)x.dim(),
            n = chunk.Count;
        int posDim = ctx.HeadDim == 1 ? 2 : 1; // [batch, head, q, k] patterns index queries
        int headDim = ctx.HeadDim ?? -1;
        var shape = new long[rank];
        shape[0] = n;
        for (int d = 1; d < rank; d++)
            shape[d] = d == posDim || d == headDim ? x.shape[d] : 1;
        long P = shape[posDim],
            H = headDim > 0 ? shape[headDim] : 1;
        var mask = new bool[n * P * H]; // row-major over (row, pos, head) in dimension order
        bool headFirst = headDim > 0 && headDim < posDim;
        for (int r = 0; r < n; r++)
        {
            var s = chunk[r];
            if (s.Hook != ctx.Name)
                continue;
            if (s.Heads is not null && headDim < 0)
                throw new HookException($"'{ctx.Name}' has no head dimension");
            var ps = s.Positions ?? Enumerable.Range(0, (int)P).Select(i => (long)i).ToList();
            var hs = s.Heads ?? Enumerable.Range(0, (int)H).Select(i => (long)i).ToList();
            foreach (var p in ps)
            foreach (var h in hs)
                mask[r * P * H + (headFirst ? h * P + p : p * H + h)] = true;
        }
        var m = tensor(mask, device: x.device).view(shape);
        return where(m, src.to(x.dtype, x.device), x);
    }

    /// <summary>Metric of the base run under each patch, one forward per patch (the reference for
    /// <see cref="EvaluateBatched"/>).</summary>
    public static float[] EvaluateOneByOne(
        HookedTransformer model,
        IReadOnlyList<int> baseIds,
        ActivationCache source,
        PatchMetric metric,
        IReadOnlyList<PatchSpec> specs,
        Action<int, int>? onPatch = null
    )
    {
        CheckSpecs(model, specs, baseIds.Count);
        var scores = new float[specs.Count];
        using var batch = TokenBatch.Single(baseIds, model.Device);
        for (int i = 0; i < specs.Count; i++)
        {
            using var scope = NewDisposeScope();
            var s = specs[i];
            var opt = new RunOptions { UseAttnResult = HookPoints.AttnResult.Matches(s.Hook) };
            var logits = model.Run(batch, new[] { Hook.Patch(s.Hook, source, s.Positions, s.Heads) }, null, opt).Output;
            scores[i] = metric.Evaluate(logits)[0];
            onPatch?.Invoke(i + 1, specs.Count);
        }
        return scores;
    }
}
