using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Concepts;

/// <summary>The set-level null of TCAV (<see cref="TcavOptions.NullSets"/>). Kim et al.'s test compares R scores of one
/// fixed concept set against R random-vs-random scores, so its unit of replication is the counterpart set: any fixed
/// set whose direction leans along the gradient differs from random "significantly" once R is large. This null
/// replicates the concept set instead: K random sets of the concept's size and kind are scored exactly like the concept
/// (CAVs against the same first <see cref="TcavOptions.NullRuns"/> counterpart sets, mean score), and the concept's
/// mean score is tested as one new draw from those K means (prediction t-test, Holm across the family), with an
/// empirical rank p-value beside it. It answers "does this concept score differently from a random word set of its
/// size?".</summary>
internal sealed class ConceptSetNull
{
    private readonly Dictionary<(int Size, bool Words), List<Dictionary<string, float[][]>>> _acts = new();

    // Mean score and mean cosine of each null set, per (size, kind, hook, target).
    private readonly Dictionary<
        (int Size, bool Words, string Hook, int Target),
        (double[] Score, double[] Cosine)
    > _means = new();

    private ConceptSetNull() { }

    /// <summary>Draws the null sets for every (size, kind) among <paramref name="used"/> and computes their pooled
    /// activations.</summary>
    public static ConceptSetNull Prepare(
        IReadOnlyList<ConceptSet> used,
        RandomConcepts random,
        TcavOptions o,
        ITcavTarget target
    )
    {
        var n = new ConceptSetNull();
        foreach (var key in used.Select(Key).Distinct())
            n._acts[key] = Enumerable
                .Range(0, o.NullSets)
                .Select(k =>
                    HookActivations.Pooled(
                        target,
                        random.Draw(100_000 + k, key.Size, key.Words, o.Seed).Examples,
                        o.Hooks,
                        o.Pooling,
                        o.BatchSize
                    )
                )
                .ToList();
        return n;
    }

    /// <summary>Scores every null set at <paramref name="hook"/> for every target: CAVs against the first
    /// <see cref="TcavOptions.NullRuns"/> counterpart sets of its kind.</summary>
    public void Score(
        string hook,
        int hookIndex,
        IReadOnlyDictionary<bool, List<Dictionary<string, float[][]>>> counterparts,
        IReadOnlyList<Dictionary<string, float[][]>> gradients,
        TcavOptions o
    )
    {
        foreach (var (key, sets) in _acts)
        {
            var means = new double[gradients.Count][];
            var cosines = new double[gradients.Count][];
            for (int t = 0; t < gradients.Count; t++)
            {
                means[t] = new double[sets.Count];
                cosines[t] = new double[sets.Count];
            }
            for (int k = 0; k < sets.Count; k++)
            for (int r = 0; r < o.NullRuns; r++)
            {
                int seed = unchecked(o.Seed * 31 + hookIndex * 1000003 + (key.Size * 131 + k) * 7919 + r + 5);
                var cav = ConceptActivationVector.Fit(sets[k][hook], counterparts[key.Words][r][hook], o.Method, seed);
                for (int t = 0; t < gradients.Count; t++)
                {
                    var d = cav.Derivatives(gradients[t][hook]);
                    means[t][k] += TcavAnalysis.Score(d).Score / o.NullRuns;
                    cosines[t][k] += TcavAnalysis.MeanCosine(d, gradients[t][hook]) / o.NullRuns;
                }
            }
            for (int t = 0; t < gradients.Count; t++)
                _means[(key.Size, key.Words, hook, t)] = (means[t], cosines[t]);
        }
    }

    /// <summary>Adds the set-level tests to every score; <paramref name="entries"/> gives each score's concept, target
    /// index and per-run mean cosines, in the order of <paramref name="scores"/>.</summary>
    public List<TcavScore> Apply(
        IReadOnlyList<TcavScore> scores,
        IReadOnlyList<(ConceptSet Concept, int Target, double[] Cosines)> entries,
        TcavOptions o
    )
    {
        var nulls = scores
            .Select(
                (s, i) =>
                    _means[
                        (entries[i].Concept.Examples.Count, entries[i].Concept.IsWordLevel, s.Hook, entries[i].Target)
                    ]
            )
            .ToList();
        var byScore = Tests(
            scores.Select(s => s.Scores.Take(o.NullRuns).Average()).ToList(),
            nulls.Select(n => n.Score).ToList(),
            o
        );
        var byCosine = Tests(
            entries.Select(e => e.Cosines.Take(o.NullRuns).Average()).ToList(),
            nulls.Select(n => n.Cosine).ToList(),
            o
        );
        return scores
            .Select((s, i) => s with { SetNull = new SetNullTest(o.NullSets, o.NullRuns, byScore[i], byCosine[i]) })
            .ToList();
    }

    private static List<SetNullStatistic> Tests(
        IReadOnlyList<double> values,
        IReadOnlyList<double[]> nulls,
        TcavOptions o
    )
    {
        var tests = values.Select((x, i) => Significance.PredictionT(x, nulls[i])).ToList();
        var holm = Significance.Holm(tests.Select(t => t.P).ToArray());
        return values
            .Select(
                (x, i) =>
                {
                    double centre = nulls[i].Average();
                    int extreme = nulls[i].Count(v => Math.Abs(v - centre) >= Math.Abs(x - centre) * (1 - 1e-12));
                    return new SetNullStatistic(
                        x,
                        nulls[i],
                        centre,
                        tests[i].T,
                        tests[i].P,
                        holm[i],
                        (extreme + 1.0) / (nulls[i].Length + 1.0),
                        tests[i].CohensD,
                        holm[i] < o.Alpha
                    );
                }
            )
            .ToList();
    }

    private static (int Size, bool Words) Key(ConceptSet c) => (c.Examples.Count, c.IsWordLevel);

    /// <summary>A short description for progress lines.</summary>
    public string Describe() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{_acts.Values.Sum(v => v.Count)} random concept sets of sizes {string.Join(", ", _acts.Keys.Select(k => k.Size))}"
        );
}

/// <summary>The set-level null tests of one TCAV score (see <see cref="TcavOptions.NullSets"/>).</summary>
/// <param name="Sets">K: random concept sets of the concept's size and kind.</param>
/// <param name="Runs">Counterpart runs per set (the concept's values here are means over the same first runs).</param>
/// <param name="Score">The test on the TCAV score (fraction of inputs with a positive derivative): it saturates at 0
/// and 1, so a concept at 1 can only be as extreme as the most extreme random set.</param>
/// <param name="Cosine">The test on the mean cosine between the CAV and the input's gradient (does not saturate).</param>
public sealed record SetNullTest(int Sets, int Runs, SetNullStatistic Score, SetNullStatistic Cosine);

/// <summary>One statistic of the set-level null test.</summary>
/// <param name="Concept">The concept's mean over the runs.</param>
/// <param name="Null">The mean of each random concept set.</param>
/// <param name="NullMean">Mean of <paramref name="Null"/>.</param>
/// <param name="T">Prediction t statistic of the concept's value as a new draw from the null values.</param>
/// <param name="P">Two-sided p-value of that test (K − 1 degrees of freedom).</param>
/// <param name="PHolm">Holm-adjusted over every (concept, hook, target) of the run.</param>
/// <param name="PEmpirical">Rank p-value: (1 + #{null sets at least as far from the null mean}) / (1 + K); its floor
/// is 1 / (1 + K).</param>
/// <param name="Z">(concept − null mean) / null standard deviation.</param>
/// <param name="Significant">PHolm below alpha.</param>
public sealed record SetNullStatistic(
    double Concept,
    IReadOnlyList<double> Null,
    double NullMean,
    double T,
    double P,
    double PHolm,
    double PEmpirical,
    double Z,
    bool Significant
);
