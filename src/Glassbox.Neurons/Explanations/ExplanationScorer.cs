using Glassbox.Statistics;

namespace Glassbox.Neurons.Explanations;

/// <summary>Simulated activations of one explanation on a unit's held-out excerpts.</summary>
/// <param name="Explanation">The explanation simulated.</param>
/// <param name="Predicted">Per held-out excerpt (top then random), one prediction per token.</param>
/// <param name="Malformed">Excerpts whose simulator reply was malformed.</param>
public sealed record SimulatedExcerpts(string Explanation, IReadOnlyList<double[]> Predicted, int Malformed);

/// <summary>
/// Correlation scoring (Bills et al. 2023): the Pearson correlation between simulated and true activations over every
/// held-out token (top and random excerpts together), with a bootstrap interval that resamples whole excerpts
/// (<see cref="Bootstrap.Clustered"/>). A simulation that predicts one constant value scores 0 (it explains nothing);
/// a unit whose held-out activations do not vary has no score (NaN, reported as such by the pipeline).
/// </summary>
public static class ExplanationScorer
{
    /// <summary>Runs the simulator on every held-out excerpt of <paramref name="x"/>.</summary>
    public static async Task<SimulatedExcerpts> SimulateAsync(
        string explanation,
        UnitExcerpts x,
        ISimulator simulator,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(simulator);
        var predicted = new List<double[]>();
        int malformed = 0;
        foreach (var e in x.HeldOut)
        {
            var s = await simulator.SimulateAsync(explanation, e.Tokens, cancellationToken).ConfigureAwait(false);
            if (s.Malformed)
                malformed++;
            var p = new double[e.Tokens.Count];
            for (int i = 0; i < p.Length && i < s.Predicted.Count; i++)
                p[i] = double.IsFinite(s.Predicted[i]) ? s.Predicted[i] : 0;
            predicted.Add(p);
        }
        return new SimulatedExcerpts(explanation, predicted, malformed);
    }

    /// <summary>Score of one or more simulations (their correlations averaged) with a bootstrap interval over the
    /// held-out excerpts.</summary>
    /// <param name="x">The unit's excerpts (the held-out ones are used).</param>
    /// <param name="simulations">Simulations of <paramref name="x"/>'s held-out excerpts.</param>
    /// <param name="resamples">Bootstrap resamples (0: no interval).</param>
    /// <param name="seed">Bootstrap seed.</param>
    /// <param name="level">Confidence level.</param>
    public static Interval Score(
        UnitExcerpts x,
        IReadOnlyList<SimulatedExcerpts> simulations,
        int resamples = Bootstrap.DefaultResamples,
        int seed = 0,
        double level = 0.95
    )
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(simulations);
        var held = x.HeldOut;
        var truth = held.SelectMany(e => e.Activations.Select(a => (double)a)).ToArray();
        var preds = simulations.Select(s => s.Predicted.SelectMany(p => p).ToArray()).ToList();
        if (simulations.Count == 0 || preds.Any(p => p.Length != truth.Length))
            throw new ArgumentException("each simulation needs one prediction per held-out token", nameof(simulations));
        var clusters = new List<int[]>();
        int row = 0;
        foreach (var e in held)
        {
            clusters.Add(Enumerable.Range(row, e.Tokens.Count).ToArray());
            row += e.Tokens.Count;
        }
        double Statistic(int[] rows)
        {
            var t = rows.Select(r => truth[r]).ToArray();
            double sum = 0;
            foreach (var p in preds)
            {
                var s = rows.Select(r => p[r]).ToArray();
                double c = ActivationScale.Pearson(s, t);
                if (double.IsNaN(c))
                {
                    if (double.IsNaN(ActivationScale.Pearson(t, t)))
                        return double.NaN; // the unit does not vary here: no score
                    c = 0; // a constant prediction explains nothing
                }
                sum += c;
            }
            return sum / preds.Count;
        }
        if (clusters.Count == 0)
            return Interval.PointOnly(double.NaN, level);
        return Bootstrap.Clustered(clusters, Statistic, resamples, seed, level);
    }
}
