namespace Glassbox.Attribution.Regularisation;

/// <summary>
/// Agreement of token scores with a human rationale mask (DeYoung et al. 2020's ERASER "soft" and "hard" measures, per
/// text, on subword tokens): average precision (the area under the precision-recall curve as scikit-learn's
/// average_precision_score computes it, ties broken by position) and token F1 of the top-k tokens with k the rationale's
/// length (where precision, recall and F1 coincide).
/// </summary>
public static class Plausibility
{
    /// <summary>Average precision of <paramref name="scores"/> against <paramref name="relevant"/>, over the tokens
    /// where <paramref name="content"/> holds; NaN when no content token is relevant.</summary>
    public static double AveragePrecision(
        IReadOnlyList<double> scores,
        IReadOnlyList<bool> relevant,
        IReadOnlyList<bool> content
    )
    {
        var items = Ranked(scores, relevant, content);
        int total = items.Count(r => r);
        if (total == 0)
            return double.NaN;
        double sum = 0;
        int hits = 0;
        for (int k = 0; k < items.Count; k++)
            if (items[k])
            {
                hits++;
                sum += hits / (double)(k + 1);
            }
        return sum / total;
    }

    /// <summary>F1 of the top-k scored content tokens (k = number of relevant ones) against the relevant ones; NaN
    /// when none is relevant.</summary>
    public static double TopKF1(IReadOnlyList<double> scores, IReadOnlyList<bool> relevant, IReadOnlyList<bool> content)
    {
        var items = Ranked(scores, relevant, content);
        int total = items.Count(r => r);
        if (total == 0)
            return double.NaN;
        return items.Take(total).Count(r => r) / (double)total;
    }

    private static List<bool> Ranked(
        IReadOnlyList<double> scores,
        IReadOnlyList<bool> relevant,
        IReadOnlyList<bool> content
    )
    {
        if (scores.Count != relevant.Count || scores.Count != content.Count)
            throw new InputException("scores, rationale and content masks must have one entry per token");
        return Enumerable
            .Range(0, scores.Count)
            .Where(i => content[i])
            .OrderByDescending(i => scores[i])
            .ThenBy(i => i)
            .Select(i => relevant[i])
            .ToList();
    }
}
