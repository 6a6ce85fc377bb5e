namespace Glassbox.Neurons.Explanations;

/// <summary>Writes a short explanation of a unit from its train excerpts.</summary>
public interface IExplainer
{
    /// <summary>Name recorded with results ("offline", "chat:model").</summary>
    string Name { get; }

    /// <summary>The explanation of <paramref name="excerpts"/>'s unit.</summary>
    Task<string> ExplainAsync(UnitExcerpts excerpts, CancellationToken cancellationToken = default);
}

/// <summary>Predicts a unit's activation (0–10) on every token of an excerpt from an explanation alone.</summary>
public interface ISimulator
{
    /// <summary>Name recorded with results.</summary>
    string Name { get; }

    /// <summary>One prediction per token; <see cref="Simulation.Malformed"/> when the predictions had to be repaired.</summary>
    Task<Simulation> SimulateAsync(
        string explanation,
        IReadOnlyList<string> tokens,
        CancellationToken cancellationToken = default
    );
}

/// <summary>Predicted activations of one excerpt.</summary>
/// <param name="Predicted">One value per token, on the 0–10 scale.</param>
/// <param name="Malformed">True when the simulator's reply could not be read as one number per token (missing
/// values are 0).</param>
public sealed record Simulation(IReadOnlyList<double> Predicted, bool Malformed = false);

/// <summary>Options of the offline explainer.</summary>
/// <param name="Tokens">Most tokens named.</param>
/// <param name="Ngrams">Most multi-token n-grams named.</param>
/// <param name="MinWeight">Least activation-weighted count (sum of scaled activation / 10 at the firing positions)
/// for an item to be named.</param>
public sealed record OfflineExplainerOptions(int Tokens = 5, int Ngrams = 3, double MinWeight = 1.0);

/// <summary>
/// The offline default explainer (no LLM): the tokens and n-grams (2–3 tokens ending at the firing token) most
/// over-represented where the unit fires. Each item's activation-weighted count F (scaled activation / 10 summed over
/// the train top excerpts' positions where the item ends) is compared with its corpus background count C by the
/// smoothed log-odds ratio <c>log((F+1)/(W+V)) − log((C+1)/(T+V))</c> (W, T totals and V distinct items of the same length n); items are
/// ranked by F × log-odds, and an n-gram is named only when its log-odds beats that of its last token.
/// Writes <see cref="ExplanationFormat"/>.
/// </summary>
/// <param name="options">Item counts and the support threshold.</param>
public sealed class OfflineExplainer(OfflineExplainerOptions? options = null) : IExplainer
{
    private readonly OfflineExplainerOptions _o = options ?? new OfflineExplainerOptions();

    /// <inheritdoc/>
    public string Name => "offline";

    /// <inheritdoc/>
    public Task<string> ExplainAsync(UnitExcerpts excerpts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(excerpts);
        return Task.FromResult(Explain(excerpts));
    }

    /// <summary>The explanation, synchronously.</summary>
    public string Explain(UnitExcerpts excerpts)
    {
        ArgumentNullException.ThrowIfNull(excerpts);
        var background = excerpts.Background ?? NgramCounts.Of(excerpts.TrainRandom.Concat(excerpts.TrainTop));
        double max = excerpts.TrainMax;
        var firing = new Dictionary<string, double>(StringComparer.Ordinal);
        var totals = new double[NgramCounts.MaxN + 1];
        foreach (var e in excerpts.TrainTop)
            for (int p = 0; p < e.Tokens.Count; p++)
            {
                double w = ActivationScale.Scale(e.Activations[p], max) / (double)ActivationScale.Max;
                if (w <= 0)
                    continue;
                for (int n = 1; n <= NgramCounts.MaxN && p - n + 1 >= 0; n++)
                {
                    string key = NgramCounts.Key(e.Tokens, p, n);
                    firing[key] = firing.GetValueOrDefault(key) + w;
                    totals[n] += w;
                }
            }
        double LogOdds(string key, int n)
        {
            double v = Math.Max(1, background.Distinct(n));
            return Math.Log((firing[key] + 1) / (totals[n] + v))
                - Math.Log((background.Count(key) + 1.0) / (background.Total(n) + v));
        }
        var scored = firing
            .Where(kv => kv.Value >= _o.MinWeight)
            .Select(kv =>
            {
                int n = kv.Key.Split(NgramCounts.Separator).Length;
                double lo = LogOdds(kv.Key, n);
                return (Key: kv.Key, N: n, LogOdds: lo, Score: kv.Value * lo);
            })
            .Where(x => x.LogOdds > 0)
            .ToList();
        var unigram = scored.Where(x => x.N == 1).ToDictionary(x => x.Key, x => x.LogOdds, StringComparer.Ordinal);
        var tokens = scored
            .Where(x => x.N == 1)
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Key, StringComparer.Ordinal)
            .Take(_o.Tokens)
            .Select(x => x.Key)
            .ToList();
        var ngrams = scored
            .Where(x => x.N > 1 && x.LogOdds > unigram.GetValueOrDefault(x.Key.Split(NgramCounts.Separator)[^1]))
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Key, StringComparer.Ordinal)
            .Take(_o.Ngrams)
            .Select(x => x.Key.Replace(NgramCounts.Separator.ToString(), "", StringComparison.Ordinal))
            .ToList();
        return ExplanationFormat.Format(tokens, ngrams);
    }
}

/// <summary>
/// The offline simulator: reads an <see cref="ExplanationFormat"/> explanation and predicts, at each token, 10 scaled
/// by the item's rank (<c>10 (N − r) / N</c> for the r-th of N items) when the token, or the text of the last 2–4
/// tokens, equals a named item; a match that holds only after trimming spaces and case counts half; else 0.
/// Explanations with no quoted items predict 0 everywhere.
/// </summary>
public sealed class RuleSimulator : ISimulator
{
    /// <inheritdoc/>
    public string Name => "rules";

    /// <inheritdoc/>
    public Task<Simulation> SimulateAsync(
        string explanation,
        IReadOnlyList<string> tokens,
        CancellationToken cancellationToken = default
    ) => Task.FromResult(new Simulation(Simulate(ExplanationFormat.Parse(explanation), tokens)));

    /// <summary>Predictions for parsed items, synchronously.</summary>
    public static double[] Simulate(ExplanationFormat.Items items, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(tokens);
        var pred = new double[tokens.Count];
        for (int p = 0; p < tokens.Count; p++)
        {
            double best = 0;
            for (int r = 0; r < items.Tokens.Count; r++)
                best = Math.Max(best, Match(tokens[p], items.Tokens[r]) * Rank(r, items.Tokens.Count));
            for (int r = 0; r < items.Ngrams.Count; r++)
            for (int k = 2; k <= 4 && p - k + 1 >= 0; k++)
            {
                string text = string.Concat(Enumerable.Range(p - k + 1, k).Select(i => tokens[i]));
                best = Math.Max(best, Match(text, items.Ngrams[r]) * Rank(r, items.Ngrams.Count));
            }
            pred[p] = best;
        }
        return pred;
    }

    private static double Rank(int r, int n) => ActivationScale.Max * (n - r) / (double)n;

    private static double Match(string text, string item) =>
        string.Equals(text, item, StringComparison.Ordinal) ? 1
        : item.Trim().Length > 0 && string.Equals(text.Trim(), item.Trim(), StringComparison.OrdinalIgnoreCase) ? 0.5
        : 0;
}
