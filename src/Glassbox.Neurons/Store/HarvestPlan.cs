using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons.Store;

/// <summary>A harvest's hooks, documents and forward pass: which hooks (and units), how documents become token ids,
/// and one batched forward that hands each hook's activations to a callback.</summary>
internal sealed class HarvestPlan
{
    private readonly HookedTransformer model;
    private readonly HashSet<string> hookSet;
    private readonly int? stopAtLayer;

    public HarvestPlan(HookedTransformer model, HarvestOptions options)
    {
        this.model = model;
        if (model.Tokenizer is null)
            throw new InputException($"-m: {model.Name} has no tokenizer; a harvest reads text");
        Hooks = Resolve(model, options.Hooks);
        hookSet = Hooks.Select(h => h.Hook).ToHashSet(StringComparer.Ordinal);
        var layers = Hooks.Select(h => HookName.LayerOf(h.Hook)).ToList();
        stopAtLayer = layers.All(l => l is not null) ? layers.Max()!.Value + 1 : null;
    }

    /// <summary>Selected hooks in the model's order, with their unit count.</summary>
    public IReadOnlyList<(string Hook, int Width)> Hooks { get; }

    /// <summary>Units over all hooks.</summary>
    public int Units => Hooks.Sum(h => h.Width);

    /// <summary>Selects hooks: comma-separated globs, or every layer's MLP output activations.</summary>
    /// <exception cref="InputException">A pattern matches nothing, or a hook has no [batch, pos, units] shape.</exception>
    public static IReadOnlyList<(string Hook, int Width)> Resolve(HookedTransformer m, string? patterns) =>
        UnitHooks.Resolve(m, patterns);

    /// <summary>A document's token ids (special tokens added), cut at the context length.</summary>
    public (int[] Ids, bool Truncated) Encode(string text)
    {
        var ids = model.Tokenizer!.Encode(text, true).Ids;
        int n = Math.Min(ids.Count, model.Config.NCtx);
        return (ids.Take(n).ToArray(), ids.Count > n);
    }

    /// <summary>Runs documents through the model as one right-padded batch and calls <paramref name="onHook"/> for each
    /// selected hook with its activations, [batch, pos, units] flattened row-major, and the padded length. Calls for
    /// different hooks may run at the same time; each must touch only its own hook's state.</summary>
    public void Forward(IReadOnlyList<int[]> docs, Action<int, float[], int> onHook)
    {
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(
            docs.Select(d => (IReadOnlyList<int>)d).ToList(),
            model.Tokenizer!.PadId ?? model.Config.PadTokenId ?? 0,
            PaddingSide.Right,
            device: model.Device
        );
        using var run = model.Run(
            batch,
            Array.Empty<Hook>(),
            hookSet.Contains,
            new RunOptions { StopAtLayer = stopAtLayer }
        );
        // Each hook's callback touches only that hook's state, so the hooks are handed over in parallel, as many at
        // once as libtorch has threads (and as many host copies held); every hook runs, and the first hook's failure
        // is the one rethrown.
        int degree = Math.Max(1, get_num_threads());
        var failed = new Exception?[Hooks.Count];
        foreach (var group in Enumerable.Range(0, Hooks.Count).Chunk(degree))
        {
            var acts = group
                .Select(h =>
                {
                    using var inner = NewDisposeScope();
                    var t = run.Cache[Hooks[h].Hook]; // [batch, pos, units]
                    return t.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
                })
                .ToArray();
            Parallel.For(0, group.Length, new ParallelOptions { MaxDegreeOfParallelism = degree }, i =>
            {
                try
                {
                    onHook(group[i], acts[i], batch.Length);
                }
                catch (Exception e)
                {
                    failed[group[i]] = e;
                }
            });
        }
        if (failed.FirstOrDefault(e => e is not null) is { } first)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
    }

    /// <summary>Each unit's minimum and maximum over the first documents: the histogram range. A unit whose range is
    /// empty gets [v − 0.5, v + 0.5].</summary>
    public (double[] Lo, double[] Hi) Calibrate(IEnumerable<string> documents, int count, int batchSize)
    {
        var lo = Enumerable.Repeat(double.PositiveInfinity, Units).ToArray();
        var hi = Enumerable.Repeat(double.NegativeInfinity, Units).ToArray();
        var bases = Bases();
        foreach (var chunk in documents.Take(count).Chunk(batchSize))
        {
            var docs = chunk.Select(t => Encode(t).Ids).ToList();
            Forward(docs, (h, acts, len) =>
            {
                int w = Hooks[h].Width;
                for (int b = 0; b < docs.Count; b++)
                for (int p = 0; p < docs[b].Length; p++)
                for (int u = 0; u < w; u++)
                {
                    double v = acts[((long)b * len + p) * w + u];
                    lo[bases[h] + u] = Math.Min(lo[bases[h] + u], v);
                    hi[bases[h] + u] = Math.Max(hi[bases[h] + u], v);
                }
            });
        }
        for (int u = 0; u < Units; u++)
        {
            if (!double.IsFinite(lo[u]) || !double.IsFinite(hi[u]))
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"unit {u}: activations are not finite")
                );
            if (hi[u] <= lo[u])
                (lo[u], hi[u]) = (lo[u] - 0.5, hi[u] + 0.5);
        }
        return (lo, hi);
    }

    /// <summary>Store id of each hook's unit 0.</summary>
    public int[] Bases()
    {
        var bases = new int[Hooks.Count];
        for (int h = 1; h < Hooks.Count; h++)
            bases[h] = bases[h - 1] + Hooks[h - 1].Width;
        return bases;
    }
}
