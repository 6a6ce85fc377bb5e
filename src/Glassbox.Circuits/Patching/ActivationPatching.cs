using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Circuits.Patching;

/// <summary>Layer × position and layer × head activation-patching sweeps between a clean and a corrupted prompt
/// of the same token length.</summary>
public static class ActivationPatching
{
    /// <summary>Builds the patches of a sweep, row-major: for each layer, each position (position kinds) or head
    /// (head kinds).</summary>
    /// <exception cref="InputException">A layer, position or head is out of range.</exception>
    public static (IReadOnlyList<int> Layers, IReadOnlyList<int> Columns, IReadOnlyList<PatchSpec> Specs) Plan(
        HookedTransformer model,
        PatchKind kind,
        int length,
        PatchingOptions options
    )
    {
        kind.Require(model);
        var c = model.Config;
        var layers = options.Layers ?? Enumerable.Range(0, c.NLayers).ToList();
        foreach (var l in layers)
            if (l < 0 || l >= c.NLayers)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"layer {l} is out of range 0..{c.NLayers - 1}")
                );
        if (options.Positions is { } ps)
            foreach (var p in ps)
                if (p < 0 || p >= length)
                    throw new InputException(
                        string.Create(CultureInfo.InvariantCulture, $"position {p} is out of range 0..{length - 1}")
                    );
        if (options.Heads is { } hs)
        {
            if (!kind.IsPerHead())
                throw new InputException($"heads apply to --hook z or pattern, not {kind.Name()}");
            foreach (var h in hs)
                if (h < 0 || h >= c.NHeads)
                    throw new InputException(
                        string.Create(CultureInfo.InvariantCulture, $"head {h} is out of range 0..{c.NHeads - 1}")
                    );
        }
        IReadOnlyList<int> cols = kind.IsPerHead()
            ? options.Heads ?? Enumerable.Range(0, c.NHeads).ToList()
            : options.Positions ?? Enumerable.Range(0, length).ToList();
        var posForHeads = kind.IsPerHead() ? options.Positions?.Select(p => (long)p).ToList() : null;
        var specs = new List<PatchSpec>();
        foreach (var l in layers)
        foreach (var col in cols)
            specs.Add(
                kind.IsPerHead()
                    ? new PatchSpec(kind.Hook(l), posForHeads, new long[] { col })
                    : new PatchSpec(kind.Hook(l), new long[] { col })
            );
        return (layers, cols, specs);
    }

    /// <summary>Runs a sweep.</summary>
    /// <param name="model">A language model.</param>
    /// <param name="clean">Clean prompt tokens.</param>
    /// <param name="corrupted">Corrupted prompt tokens (same length).</param>
    /// <param name="metric">Metric over logits [batch, pos, vocab].</param>
    /// <param name="kind">What to patch.</param>
    /// <param name="options">Mode, ranges, batching.</param>
    /// <exception cref="InputException">Different token lengths, indices out of range, or the model lacks the hook.</exception>
    /// <exception cref="PatchingMetricException">The metric returned a non-finite score or a wrong shape.</exception>
    public static PatchingSweep Sweep(
        HookedTransformer model,
        IReadOnlyList<int> clean,
        IReadOnlyList<int> corrupted,
        PatchMetric metric,
        PatchKind kind,
        PatchingOptions? options = null
    ) => Sweep(model, clean, corrupted, metric, new[] { kind }, options)[0];

    /// <summary>Runs several sweeps on one clean/corrupted pair. The two unpatched runs happen once for all of them:
    /// the source run records every needed hook and gives its score, the base run gives the other score.</summary>
    /// <exception cref="InputException">Different token lengths, indices out of range, or the model lacks a hook.</exception>
    /// <exception cref="PatchingMetricException">The metric returned a non-finite score or a wrong shape.</exception>
    public static IReadOnlyList<PatchingSweep> Sweep(
        HookedTransformer model,
        IReadOnlyList<int> clean,
        IReadOnlyList<int> corrupted,
        PatchMetric metric,
        IReadOnlyList<PatchKind> kinds,
        PatchingOptions? options = null
    )
    {
        var o = options ?? new PatchingOptions();
        ActivationPatcher.CheckPair(clean, corrupted);
        var plans = kinds.Select(k => (Kind: k, Plan: Plan(model, k, clean.Count, o))).ToList();
        var (baseIds, sourceIds) = o.Mode == PatchMode.Denoise ? (corrupted, clean) : (clean, corrupted);
        using var source = ActivationPatcher.Record(
            model,
            sourceIds,
            plans.SelectMany(p => p.Plan.Specs.Select(s => s.Hook)),
            metric,
            out float sourceScore
        );
        float baseScore = ActivationPatcher.Score(model, baseIds, metric);
        var (cleanScore, corruptScore) =
            o.Mode == PatchMode.Denoise ? (sourceScore, baseScore) : (baseScore, sourceScore);
        return plans
            .Select(p =>
                Run(model, clean, corrupted, metric, p.Kind, p.Plan, o, source, baseIds, cleanScore, corruptScore)
            )
            .ToList();
    }

    private static PatchingSweep Run(
        HookedTransformer model,
        IReadOnlyList<int> clean,
        IReadOnlyList<int> corrupted,
        PatchMetric metric,
        PatchKind kind,
        (IReadOnlyList<int> Layers, IReadOnlyList<int> Columns, IReadOnlyList<PatchSpec> Specs) plan,
        PatchingOptions o,
        ActivationCache source,
        IReadOnlyList<int> baseIds,
        float cleanScore,
        float corruptScore
    )
    {
        var (layers, cols, specs) = plan;
        int forwards = specs.Count;
        var flat = o.Batched
            ? ActivationPatcher.EvaluateCounting(
                model,
                baseIds,
                source,
                metric,
                specs,
                o.ChunkSize,
                o.Progress,
                o.SharePrefix,
                out forwards
            )
            : ActivationPatcher.EvaluateOneByOne(model, baseIds, source, metric, specs, o.Progress);
        int nc = cols.Count;
        var scores = Enumerable.Range(0, layers.Count).Select(i => flat.Skip(i * nc).Take(nc).ToArray()).ToArray();
        return new PatchingSweep
        {
            Kind = kind,
            Mode = o.Mode,
            Metric = metric.Name,
            CleanScore = cleanScore,
            CorruptedScore = corruptScore,
            Layers = layers,
            Columns = cols,
            ColumnLabels = kind.IsPerHead()
                ? cols.Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}")).ToList()
                : cols.Select(p => TokenLabel(model, clean, corrupted, p)).ToList(),
            Scores = scores,
            Effects = scores.Select(r => r.Select(s => Normalise(s, cleanScore, corruptScore)).ToArray()).ToArray(),
            Forwards = forwards,
        };
    }

    /// <summary>(score - corrupted) / (clean - corrupted), NaN when clean equals corrupted.</summary>
    public static float Normalise(float score, float clean, float corrupted) =>
        clean == corrupted ? float.NaN : (score - corrupted) / (clean - corrupted);

    /// <summary>"3:·Lily" or "3:·Lily/·Ben" where the prompts differ (visible token labels, see <see cref="Glassbox.Tokenization.TokenDisplay"/>).</summary>
    public static string TokenLabel(
        HookedTransformer model,
        IReadOnlyList<int> clean,
        IReadOnlyList<int> corrupted,
        int p
    )
    {
        string Tok(int id) =>
            model.Tokenizer is { } t
                ? Glassbox.Tokenization.TokenDisplay.Label(t.TokenToString(id))
                : id.ToString(CultureInfo.InvariantCulture);
        return clean[p] == corrupted[p]
            ? string.Create(CultureInfo.InvariantCulture, $"{p}:{Tok(clean[p])}")
            : string.Create(CultureInfo.InvariantCulture, $"{p}:{Tok(clean[p])}/{Tok(corrupted[p])}");
    }
}
