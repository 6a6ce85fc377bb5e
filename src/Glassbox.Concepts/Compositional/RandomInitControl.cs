using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Statistics;
using static TorchSharp.torch;

namespace Glassbox.Concepts.Compositional;

/// <summary>Mu and Andreas's random-initialisation control: the explained units are taken from a randomly initialised
/// copy of the model (same architecture, same tokenizer, so the same word rows and atoms), binarised the same way and
/// searched with the same beam; what formulas reach there is what the search finds in a network that learnt nothing.</summary>
internal static class RandomInitControl
{
    public static CompositionalResult Apply(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> sentences,
        CompositionalResult result,
        AtomSet searchAtoms,
        HeldOutSplit? split,
        Tensor atomMatrix,
        OpenWordAtoms open,
        CompositionalOptions o
    )
    {
        var hooks = result.Units.Select(u => u.Hook).Distinct(StringComparer.Ordinal).ToArray();
        if (hooks.Length == 0)
            return result;
        o.Progress?.Invoke("random-initialisation control");
        using var random = ModelInit.RandomLike(model, o.Seed + 1);
        using var reps = RepresentationExtractor.Words(
            random,
            sentences.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToArray()).ToArray(),
            new ExtractionOptions
            {
                Hooks = hooks,
                Pooling = o.Pooling,
                BatchSize = o.BatchSize,
            }
        );
        if (reps.Count != result.Words)
            throw new InvalidOperationException("the random-initialised model produced other word rows");
        var units = result
            .Units.Select(u =>
            {
                var x = reps.Layers[Array.IndexOf(hooks, u.Hook)]; // [n, units]
                var acts = x.select(1, u.Unit).contiguous().data<float>().ToArray();
                var (mask, _) = UnitMasks.Binarise(acts, o.Quantile);
                var search = split is null ? mask : HeldOutSplit.Pick(mask, split.Search);
                if (!search.Contains(true))
                    return u;
                using var own = open.Extend(searchAtoms, atomMatrix, null, search);
                return u with { RandomInitIou = BeamSearch.Search(own.Search, search, o.Beam, own.Matrix).Best.Iou };
            })
            .ToList();
        var values = units.Select(u => u.RandomInitIou).Where(double.IsFinite).ToArray();
        return result with
        {
            Units = units,
            RandomInitIou =
                values.Length == 0
                    ? null
                    : Bootstrap.Percentile(
                        values,
                        v => v.Average(),
                        o.Resamples,
                        Bootstrap.Seed(o.Seed, "random-init")
                    ),
        };
    }
}
