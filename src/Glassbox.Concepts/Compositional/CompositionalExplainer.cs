using System.Globalization;
using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Statistics;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>Compositional explanations of units (Mu and Andreas 2020) on UD sentences: each unit (an MLP neuron or an
/// SAE feature) is binarised at its top quantile over the words, and beam search finds the formula over atomic
/// concepts with the best IoU. A word's activation is that of its first subword by default (<see
/// cref="CompositionalOptions.Pooling"/>). Controls: the same search on the unit's mask shuffled over the words;
/// the relation to a UPOS probe's weight on each unit (NeuroX-style importance).</summary>
public static class CompositionalExplainer
{
    /// <summary>Runs the analysis.</summary>
    /// <exception cref="InputException">No sentences, an unknown layer, a unit index out of range, or bad options.</exception>
    public static CompositionalResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> sentences,
        CompositionalOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sentences);
        var o = options ?? throw new ArgumentNullException(nameof(options));
        if (sentences.Count == 0)
            throw new InputException("no sentences (empty data)");
        UnitMasks.CheckQuantile(o.Quantile);
        HeldOutSplit.CheckFraction(o.HeldOut);
        if (o.UnitWords < 0)
            throw new InputException("--unit-words must be 0 or more");
        if (o.Units.Indices is null && o.Units.Top < 1)
            throw new InputException("--units top:N needs N of at least 1");
        var layers = Targets(model, o);
        var reps = RepresentationExtractor.Words(
            model,
            sentences.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToArray()).ToArray(),
            new ExtractionOptions
            {
                Hooks = layers.Select(l => l.Hook).Distinct().ToArray(),
                Pooling = o.Pooling,
                BatchSize = o.BatchSize,
                Progress = (d, t) =>
                    o.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"sentences {d}/{t}")),
            }
        );
        using var _ = reps;
        var rows = reps.SentenceOf.Zip(reps.WordOf).ToArray();
        var atoms = ConceptAtoms.Build(sentences, rows, o.Lexicons, o.Atoms);
        var tags = rows.Select(r => sentences[r.First].Words[r.Second].Upos).ToArray();
        var classes = tags.Distinct().Order(StringComparer.Ordinal).ToArray();
        var y = tags.Select(t => Array.BinarySearch(classes, t, StringComparer.Ordinal)).ToArray();
        var split = HeldOutSplit.Of(rows, sentences.Count, o.HeldOut, o.Seed);
        var searchAtoms = split is null ? atoms : HeldOutSplit.Subset(atoms, split.Search);
        var heldAtoms = split is null ? null : HeldOutSplit.Subset(atoms, split.Held);
        using var atomMatrix = searchAtoms.Matrix(); // [atoms, search words]
        var open = OpenWordAtoms.For(sentences, rows, split, o.UnitWords);
        var units = new List<UnitExplanation>();
        var facts = new List<LayerFacts>();
        long scored = 0;
        var clock = new System.Diagnostics.Stopwatch();
        for (int li = 0; li < layers.Length; li++)
        {
            var (layer, hook) = layers[li];
            o.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"layer {li + 1}/{layers.Length}: units"));
            using var x = UnitActivations(reps.Layers[reps.LayerNames.ToList().IndexOf(hook)], o.Features); // [n, units]
            int width = (int)x.shape[1];
            double[] importance = Enumerable.Repeat(double.NaN, width).ToArray();
            double accuracy = double.NaN;
            if (o.Importance && classes.Length >= 2)
            {
                o.Progress?.Invoke(
                    string.Create(CultureInfo.InvariantCulture, $"layer {li + 1}/{layers.Length}: UPOS probe")
                );
                (importance, accuracy) = ProbeImportance(x, y, classes.Length, o.Seed);
            }
            facts.Add(new LayerFacts(layer, hook, width, accuracy));
            foreach (int unit in Choose(x, importance, o.Units, width))
            {
                o.Progress?.Invoke(
                    string.Create(CultureInfo.InvariantCulture, $"layer {li + 1}/{layers.Length}: unit {unit}")
                );
                var acts = x.select(1, unit).contiguous().data<float>().ToArray();
                var (mask, threshold) = UnitMasks.Binarise(acts, o.Quantile);
                int active = mask.Count(b => b);
                var searchMask = split is null ? mask : HeldOutSplit.Pick(mask, split.Search);
                if (active == 0 || !searchMask.Contains(true))
                {
                    units.Add(new(layer, hook, unit, 0, threshold, importance[unit], null, null, [], null));
                    continue;
                }
                clock.Start();
                using var own = open.Extend(searchAtoms, atomMatrix, heldAtoms, searchMask);
                var found = BeamSearch.Search(own.Search, searchMask, o.Beam, own.Matrix);
                var shuffled = Shuffled(searchMask, o.Seed, layer, unit);
                using var theirs = open.Extend(searchAtoms, atomMatrix, heldAtoms, shuffled);
                var control = BeamSearch.Search(theirs.Search, shuffled, o.Beam, theirs.Matrix);
                clock.Stop();
                scored += found.FormulasScored + control.FormulasScored;
                units.Add(
                    new(
                        layer,
                        hook,
                        unit,
                        active,
                        threshold,
                        importance[unit],
                        found.Best,
                        found.BestSingleAtom,
                        found.BestByLength,
                        control.Best
                    )
                    {
                        HeldOutIou = HeldOutIou(found.Best, own.Held, split, mask),
                        HeldOutSingleAtomIou = HeldOutIou(found.BestSingleAtom, own.Held, split, mask),
                    }
                );
            }
        }
        var result = Summarise(sentences.Count, atoms, o, facts, units, scored, clock.Elapsed.TotalSeconds);
        if (split is not null)
            result = HeldOutSplit.Summarise(result, split, o);
        if (o.RandomInitControl && o.Features is null)
            result = RandomInitControl.Apply(model, sentences, result, searchAtoms, split, atomMatrix, open, o);
        return result;
    }

    /// <summary>IoU of a searched formula on the held-out words (NaN without a split).</summary>
    private static double HeldOutIou(ScoredFormula? f, AtomSet? held, HeldOutSplit? split, bool[] mask) =>
        f is null || held is null || split is null
            ? double.NaN
            : UnitMasks.Iou(f.Formula.Evaluate(held), HeldOutSplit.Pick(mask, split.Held));

    private static (int Layer, string Hook)[] Targets(HookedTransformer model, CompositionalOptions o)
    {
        if (o.Features is { } f)
        {
            HookName.Require(f.Hook, model.HookNames);
            return new[] { (HookName.LayerOf(f.Hook) ?? 0, f.Hook) };
        }
        if (o.Layers.Count == 0)
            throw new InputException("--layers names no layer");
        if (!HookPoints.MlpPost.IsPresent(model.Config))
            throw new InputException($"{model.Name} has no MLP post-activation hook to take neurons from");
        foreach (int l in o.Layers)
            if (l < 0 || l >= model.Config.NLayers)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"--layers: layer {l} does not exist ({model.Name} has layers 0..{model.Config.NLayers - 1})"
                    )
                );
        return o.Layers.Distinct().Select(l => (l, HookPoints.MlpPost.Name(l))).ToArray();
    }

    /// <summary>The units' activations per word, [n, units]: the hook's columns, or the SAE features of them.</summary>
    private static Tensor UnitActivations(Tensor rows, FeatureUnits? features)
    {
        if (features is null)
            return rows.alias();
        var parts = new List<Tensor>();
        using (no_grad())
            for (long s = 0; s < rows.shape[0]; s += 4096)
            {
                using var scope = NewDisposeScope();
                var chunk = rows.narrow(0, s, Math.Min(4096, rows.shape[0] - s));
                parts.Add(features.Encode(chunk).to(ScalarType.Float32).cpu().DetachFromDisposeScope());
            }
        var all = cat(parts, 0);
        foreach (var p in parts)
            p.Dispose();
        return all;
    }

    /// <summary>Importance of each unit to a linear UPOS probe: Σ_c |W[j, c]| · std_j (the weight on the
    /// standardised unit, so units with small activations are not inflated), and the probe's dev accuracy.</summary>
    private static (double[] Importance, double Accuracy) ProbeImportance(Tensor x, int[] y, int classes, int seed)
    {
        using var scope = NewDisposeScope();
        using var probe = ClassifierProbe.Train(x, y, classes, new ProbeOptions { Seed = seed });
        using var w = probe.LinearWeights()!; // [d, classes]
        var imp = w.abs().sum(dim: 1).mul(x.std(dim: 0)).to(ScalarType.Float64).data<double>().ToArray();
        return (imp, probe.DevAccuracy);
    }

    private static IEnumerable<int> Choose(Tensor x, double[] importance, UnitSelection s, int width)
    {
        if (s.Indices is { } ids)
        {
            foreach (int i in ids)
                if (i < 0 || i >= width)
                    throw new InputException(
                        string.Create(CultureInfo.InvariantCulture, $"--units: unit {i} is out of range 0..{width - 1}")
                    );
            return ids.Distinct();
        }
        double[] score;
        if (s.By == UnitRanking.Importance && importance.Any(double.IsFinite))
            score = importance;
        else
        {
            using var v = x.var(dim: 0).to(ScalarType.Float64);
            score = v.data<double>().ToArray();
        }
        return Enumerable.Range(0, width).OrderByDescending(i => score[i]).ThenBy(i => i).Take(s.Top).ToArray();
    }

    private static bool[] Shuffled(bool[] mask, int seed, int layer, int unit)
    {
        var rng = new Random(
            Bootstrap.Seed(seed, string.Create(CultureInfo.InvariantCulture, $"shuffle {layer}.{unit}"))
        );
        var m = (bool[])mask.Clone();
        rng.Shuffle(m);
        return m;
    }

    private static CompositionalResult Summarise(
        int sentences,
        AtomSet atoms,
        CompositionalOptions o,
        IReadOnlyList<LayerFacts> facts,
        IReadOnlyList<UnitExplanation> units,
        long scored,
        double seconds
    )
    {
        var live = units.Where(u => u.Best is not null).ToArray();
        Interval Mean(IEnumerable<double> xs, string name)
        {
            var v = xs.ToArray();
            return v.Length == 0
                ? Interval.PointOnly(double.NaN)
                : Bootstrap.Percentile(v, s => s.Average(), o.Resamples, Bootstrap.Seed(o.Seed, name));
        }
        var byLength = Enumerable
            .Range(1, o.Beam.MaxLength)
            .Select(len =>
                Mean(
                    live.Where(u => u.BestByLength.Count >= len).Select(u => u.BestByLength[len - 1].Iou),
                    string.Create(CultureInfo.InvariantCulture, $"len{len}")
                )
            )
            .ToArray();
        var withImp = live.Where(u => double.IsFinite(u.Importance)).ToArray();
        Interval? Corr(Func<UnitExplanation, double> f, string name) =>
            withImp.Length < 3
                ? null
                : Bootstrap.Percentile(
                    withImp.Length,
                    idx =>
                        Correlation.Pearson(
                            idx.Select(i => withImp[i].Importance).ToArray(),
                            idx.Select(i => f(withImp[i])).ToArray()
                        ),
                    o.Resamples,
                    Bootstrap.Seed(o.Seed, name)
                );
        return new CompositionalResult(
            sentences,
            atoms.Words,
            atoms.Count,
            atoms
                .Categories.GroupBy(c => c, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            o.Quantile,
            o.Beam.MaxLength,
            o.Beam.Beam,
            o.Pooling.ToString().ToLowerInvariant(),
            facts,
            units,
            byLength,
            Mean(live.Select(u => u.Best!.Iou), "best"),
            Mean(live.Select(u => u.Control!.Iou), "control"),
            Corr(u => u.Best!.Iou, "imp-iou"),
            Corr(u => u.Best!.Iou - u.BestSingleAtom!.Iou, "imp-gain"),
            scored,
            seconds
        );
    }
}
