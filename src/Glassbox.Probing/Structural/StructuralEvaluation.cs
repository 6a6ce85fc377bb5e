using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Probing.Structural;

/// <summary>Scores of trained probes on one evaluation set, per sentence and aggregated.</summary>
/// <param name="UuasCounts">Per sentence: correct predicted edges and gold edges.</param>
/// <param name="RootHits">Per sentence with a non-punctuation word: (1 if the root is right, 1).</param>
/// <param name="Uuas">Micro-averaged UUAS.</param>
/// <param name="DSpr">Distance Spearman (macro over lengths 5-50).</param>
/// <param name="RootAccuracy">Root accuracy.</param>
/// <param name="NSpr">Depth Spearman (macro over lengths 5-50).</param>
/// <param name="PredictedHeads">Heads from rooting each predicted MST at the predicted root (-1 = punctuation).</param>
public sealed record StructuralScores(
    IReadOnlyList<(int Correct, int Total)> UuasCounts,
    IReadOnlyList<(int Correct, int Total)> RootHits,
    double Uuas,
    double DSpr,
    double RootAccuracy,
    double NSpr,
    IReadOnlyList<int[]> PredictedHeads
);

/// <summary>
/// Trains and evaluates structural probes on any <see cref="ParsedRepresentations"/> (a model layer, layer-0
/// embeddings, a random-weights model's vectors, random vectors), and the right-branching baseline.
/// </summary>
public static class StructuralEvaluation
{
    /// <summary>
    /// Trains a distance and a depth probe on <paramref name="train"/> (early stopping on <paramref name="dev"/>) and
    /// evaluates them on <paramref name="test"/>, or on <paramref name="dev"/> when no test set is given.
    /// </summary>
    public static StructuralProbeResult Run(
        ParsedRepresentations train,
        ParsedRepresentations dev,
        ParsedRepresentations? test = null,
        StructuralProbeOptions? options = null
    )
    {
        options ??= new StructuralProbeOptions();
        var eval = test ?? dev;
        eval.Validate(test == null ? "dev" : "test");
        if (eval.DModel != train.DModel)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"evaluation set: d_model {eval.DModel} differs from train's {train.DModel}"
                )
            );
        using var distance = StructuralProbe.Train(StructuralProbeKind.Distance, train, dev, options);
        using var depth = StructuralProbe.Train(StructuralProbeKind.Depth, train, dev, options);
        var scores = Score(distance, depth, eval);
        return new StructuralProbeResult(
            scores.Uuas,
            Bootstrap.Ratio(scores.UuasCounts, options.BootstrapResamples, options.Seed),
            scores.DSpr,
            scores.RootAccuracy,
            Bootstrap.Ratio(scores.RootHits, options.BootstrapResamples, options.Seed + 1),
            scores.NSpr,
            RightBranchingUuas(eval.Heads, eval.IsPunctuation),
            distance.Training!,
            depth.Training!,
            distance.Rank,
            options.Seed,
            eval.Count,
            scores.PredictedHeads
        );
    }

    /// <summary>Scores a distance probe and a depth probe on <paramref name="data"/>.</summary>
    public static StructuralScores Score(StructuralProbe distance, StructuralProbe depth, ParsedRepresentations data)
    {
        if (distance.Kind != StructuralProbeKind.Distance || depth.Kind != StructuralProbeKind.Depth)
            throw new GlassboxException("Score: expected a distance probe and a depth probe");
        data.Validate();
        var uuas = new List<(int, int)>(data.Count);
        var roots = new List<(int, int)>(data.Count);
        var dspr = new List<(int, double)>();
        var nspr = new List<(int, double)>();
        var heads = new List<int[]>(data.Count);
        for (int s = 0; s < data.Count; s++)
        {
            int n = data.Heads[s].Length;
            var punct = data.IsPunctuation[s];
            var gold = DependencyTree.Distances(data.Heads[s]);
            var predDist = distance.PredictDistances(data.Words[s]);
            var predDepth = depth.PredictDepths(data.Words[s]);

            var predEdges = MinimumSpanningTree.Prim(predDist, StructuralMetrics.Not(punct));
            var goldEdges = StructuralMetrics.GoldEdges(gold, punct);
            uuas.Add((StructuralMetrics.CountShared(predEdges, goldEdges), goldEdges.Count));
            foreach (var rho in StructuralMetrics.RowSpearmans(predDist, gold))
                dspr.Add((n, rho));

            var root = StructuralMetrics.RootCorrect(predDepth, data.Heads[s], punct);
            if (root.HasValue)
                roots.Add((root.Value ? 1 : 0, 1));
            nspr.Add((n, StructuralMetrics.DepthSpearman(predDepth, DependencyTree.Depths(data.Heads[s]))));
            heads.Add(DependencyTree.HeadsFromEdges(n, predEdges, StructuralMetrics.PredictedRoot(predDepth, punct)));
        }
        return new StructuralScores(
            uuas,
            roots,
            StructuralMetrics.Uuas(uuas),
            StructuralMetrics.LengthMacroAverage(dspr),
            StructuralMetrics.Uuas(roots),
            StructuralMetrics.LengthMacroAverage(nspr),
            heads
        );
    }

    /// <summary>UUAS of the right-branching baseline (each word's head is the next word), scored like a probe:
    /// MST of the baseline tree's distances over the non-punctuation words against the gold edges.</summary>
    public static double RightBranchingUuas(IReadOnlyList<int[]> heads, IReadOnlyList<bool[]> isPunctuation) =>
        StructuralMetrics.Uuas(heads.Select((h, s) => RightBranchingCounts(h, isPunctuation[s])));

    /// <summary>UUAS counts of the right-branching baseline in one sentence.</summary>
    public static (int Correct, int Total) RightBranchingCounts(int[] heads, bool[] isPunctuation)
    {
        var baseline = DependencyTree.Distances(DependencyTree.RightBranchingHeads(heads.Length));
        var pred = new float[heads.Length, heads.Length];
        for (int i = 0; i < heads.Length; i++)
        for (int j = 0; j < heads.Length; j++)
            pred[i, j] = baseline[i, j];
        return StructuralMetrics.UuasCounts(pred, DependencyTree.Distances(heads), isPunctuation);
    }
}
