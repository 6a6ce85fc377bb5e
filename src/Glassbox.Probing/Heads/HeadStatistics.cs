using System.Globalization;
using Glassbox.Views;

namespace Glassbox.Probing.Heads;

/// <summary>Per-head attention statistics averaged over every real query token of every input (padding is never
/// a query or a key). Each array is [layer][head].</summary>
/// <param name="Layers">Number of layers.</param>
/// <param name="Heads">Heads per layer.</param>
/// <param name="Sentences">Number of inputs.</param>
/// <param name="Queries">Number of query tokens averaged over.</param>
/// <param name="ToFirst">Mean attention to the first token ([CLS]/BOS, or the first word when there is none).</param>
/// <param name="ToLast">Mean attention to the final special token ([SEP]) over the inputs that end with one; null
/// when none does (e.g. GPT-2 style inputs).</param>
/// <param name="ToPunctuation">Mean total attention to punctuation tokens.</param>
/// <param name="ToPrevious">Mean attention to the previous token (queries 1..n-1).</param>
/// <param name="ToNext">Mean attention to the next token (queries 0..n-2; always 0 for causal models).</param>
/// <param name="ToSelf">Mean attention to the query token itself.</param>
/// <param name="Entropy">Mean entropy of the query rows in nats.</param>
public sealed record HeadStatisticsResult(
    int Layers,
    int Heads,
    int Sentences,
    long Queries,
    float[][] ToFirst,
    float[][]? ToLast,
    float[][] ToPunctuation,
    float[][] ToPrevious,
    float[][] ToNext,
    float[][] ToSelf,
    float[][] Entropy
);

/// <summary>Computes <see cref="HeadStatisticsResult"/>: where each head looks, on average (Clark et al. 2019, §3).
/// Query rows are pooled over inputs, so every query token weighs the same.</summary>
public static class HeadStatistics
{
    /// <summary>Computes the statistics.</summary>
    /// <exception cref="InputException">No inputs, or inputs of different model shapes.</exception>
    public static HeadStatisticsResult Compute(IReadOnlyList<SentenceAttention> sentences)
    {
        if (sentences.Count == 0)
            throw new InputException("head statistics need at least one sentence");
        int L = sentences[0].Layers,
            H = sentences[0].Heads;
        var first = new double[L, H];
        var last = new double[L, H];
        var punct = new double[L, H];
        var prev = new double[L, H];
        var next = new double[L, H];
        var self = new double[L, H];
        var ent = new double[L, H];
        long queries = 0,
            lastQueries = 0,
            prevQueries = 0,
            nextQueries = 0;
        foreach (var s in sentences)
        {
            if (s.Layers != L || s.Heads != H)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"sentences come from models of different shapes ({s.Layers}×{s.Heads} vs {L}×{H})"
                    )
                );
            int n = s.Length;
            queries += n;
            prevQueries += n - 1;
            nextQueries += n - 1;
            bool hasLast = s.Roles.FinalSpecial;
            if (hasLast)
                lastQueries += n;
            var isPunct = s.Roles.IsPunctuation;
            for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
            {
                int o = s.Offset(l, h);
                double f = 0,
                    la = 0,
                    pu = 0,
                    pr = 0,
                    ne = 0,
                    se = 0,
                    en = 0;
                for (int q = 0; q < n; q++)
                {
                    int row = o + q * n;
                    f += s.Pattern[row];
                    if (hasLast)
                        la += s.Pattern[row + n - 1];
                    if (q > 0)
                        pr += s.Pattern[row + q - 1];
                    if (q < n - 1)
                        ne += s.Pattern[row + q + 1];
                    se += s.Pattern[row + q];
                    for (int k = 0; k < n; k++)
                    {
                        double a = s.Pattern[row + k];
                        if (isPunct[k])
                            pu += a;
                        if (a > 0)
                            en -= a * Math.Log(a);
                    }
                }
                first[l, h] += f;
                last[l, h] += la;
                punct[l, h] += pu;
                prev[l, h] += pr;
                next[l, h] += ne;
                self[l, h] += se;
                ent[l, h] += en;
            }
        }
        float[][] Mean(double[,] sum, long count) =>
            Enumerable
                .Range(0, L)
                .Select(l => Enumerable.Range(0, H).Select(h => count == 0 ? 0f : (float)(sum[l, h] / count)).ToArray())
                .ToArray();
        return new HeadStatisticsResult(
            L,
            H,
            sentences.Count,
            queries,
            Mean(first, queries),
            lastQueries == 0 ? null : Mean(last, lastQueries),
            Mean(punct, queries),
            Mean(prev, prevQueries),
            Mean(next, nextQueries),
            Mean(self, queries),
            Mean(ent, queries)
        );
    }
}
