using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Patching;

/// <summary>
/// Batched patching on a causal model that runs only what a patch can change. A patch at block l and positions from p
/// on leaves every block before l, and every position before p, exactly as in the unpatched base run. So patches are
/// grouped by layer (and, within a layer, by position, at most <c>chunkSize</c> per forward); each group forks the
/// base run's KV cache at its first patched position, starts at its layer from the base run's residual stream
/// (<see cref="RunOptions.StartAtLayer"/>), and runs only the positions from the fork on. The metric still sees
/// full-length logits: the base run's logits fill the positions before the fork, which no patch in the group changes.
/// Issue 14, item 4; exactness against the replicated path and one patch per forward is tested in
/// <c>SharedPrefixPatchingTests</c>, the speed in docs/benchmarks.md.
/// </summary>
public static class SharedPrefixPatcher
{
    /// <summary>Scores of <paramref name="baseIds"/> under each patch, in the order of <paramref name="specs"/>.</summary>
    /// <param name="model">A causal model.</param>
    /// <param name="baseIds">Tokens of the run that is patched.</param>
    /// <param name="source">Activations of the source run, batch 1.</param>
    /// <param name="metric">Metric over logits [batch, pos, vocab].</param>
    /// <param name="specs">The patches (checked by the caller).</param>
    /// <param name="chunkSize">Most patches per forward.</param>
    /// <param name="onChunk">Called after each forward with (patches done, total).</param>
    /// <param name="forwards">Number of patched forwards run.</param>
    public static float[] Evaluate(
        HookedTransformer model,
        IReadOnlyList<int> baseIds,
        ActivationCache source,
        PatchMetric metric,
        IReadOnlyList<PatchSpec> specs,
        int chunkSize,
        Action<int, int>? onChunk,
        out int forwards
    )
    {
        int T = baseIds.Count;
        var chunks = Chunks(specs, chunkSize);
        var opt = new RunOptions { UseAttnResult = specs.Any(s => HookPoints.AttnResult.Matches(s.Hook)) };
        var starts = chunks.Where(c => c.Layer > 0).Select(c => ResidPre(c.Layer)).ToHashSet(StringComparer.Ordinal);
        using var baseBatch = TokenBatch.Single(baseIds, model.Device);
        using var kv = model.NewCache(1, T);
        using var baseRun = model.RunCached(baseBatch, kv, null, starts.Contains, opt);
        var scores = new float[specs.Count];
        int done = 0;
        foreach (var chunk in chunks)
        {
            using var scope = NewDisposeScope();
            int n = chunk.Rows.Count,
                p0 = chunk.FirstPosition;
            using var fork = kv.Fork(p0, n);
            var suffix = baseIds.Skip(p0).ToList();
            using var batch = TokenBatch.FromIds(
                Enumerable.Repeat<IReadOnlyList<int>>(suffix, n).ToList(),
                device: model.Device
            );
            var shifted = chunk
                .Rows.Select(i => specs[i] with { Positions = specs[i].Positions?.Select(p => p - p0).ToList() })
                .ToList();
            var hooks = shifted
                .Select(s => s.Hook)
                .Distinct(StringComparer.Ordinal)
                .Select(name => new Hook(name, (x, ctx) =>
                    ActivationPatcher.PatchRows(x, ctx, Suffix(source[ctx.Name], ctx, p0), shifted)
                ))
                .ToList();
            var runOpt =
                chunk.Layer > 0
                    ? opt with
                    {
                        StartAtLayer = chunk.Layer,
                        StartResidual = baseRun.Cache[ResidPre(chunk.Layer)].narrow(1, p0, T - p0).expand(n, -1, -1),
                    }
                    : opt;
            using var run = model.RunCached(batch, fork, hooks, null, runOpt);
            var logits =
                p0 == 0 ? run.Output : cat(new[] { baseRun.Output.narrow(1, 0, p0).expand(n, -1, -1), run.Output }, 1); // [n, pos, vocab]
            var s = metric.Evaluate(logits);
            for (int r = 0; r < n; r++)
                scores[chunk.Rows[r]] = s[r];
            done += n;
            onChunk?.Invoke(done, specs.Count);
        }
        forwards = chunks.Count;
        return scores;
    }

    private static string ResidPre(int layer) => HookPoints.ResidPre.Name(layer);

    /// <summary>The source activation from position <paramref name="p0"/> on (the query dimension of patterns).</summary>
    private static Tensor Suffix(Tensor src, HookContext ctx, int p0)
    {
        int posDim = ctx.HeadDim == 1 ? 2 : 1;
        return p0 == 0 ? src : src.narrow(posDim, p0, src.shape[posDim] - p0);
    }

    /// <summary>A group of patches run in one forward: their block, their first patched position, their indices.</summary>
    internal sealed record Chunk(int Layer, int FirstPosition, IReadOnlyList<int> Rows);

    /// <summary>Groups patches by layer, then by first patched position, at most <paramref name="chunkSize"/> each.</summary>
    internal static List<Chunk> Chunks(IReadOnlyList<PatchSpec> specs, int chunkSize)
    {
        var keyed = specs
            .Select((s, i) => (I: i, Layer: HookName.LayerOf(s.Hook) ?? 0, Pos: (int)(s.Positions?.Min() ?? 0)))
            .OrderBy(x => x.Layer)
            .ThenBy(x => x.Pos)
            .ThenBy(x => x.I)
            .ToList();
        var chunks = new List<Chunk>();
        foreach (var layer in keyed.GroupBy(x => x.Layer))
        {
            var rows = layer.ToList();
            for (int a = 0; a < rows.Count; a += chunkSize)
            {
                var part = rows.Skip(a).Take(chunkSize).ToList();
                chunks.Add(new Chunk(layer.Key, part[0].Pos, part.Select(x => x.I).ToList()));
            }
        }
        return chunks;
    }
}
