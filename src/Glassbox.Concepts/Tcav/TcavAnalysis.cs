using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Concepts;

/// <summary>TCAV (Kim et al. 2018) with its significance test: every concept is tested against R random sets, the
/// random-vs-random CAVs give the null distribution of scores, a two-sided Welch t-test compares the two, Holm and
/// Bonferroni adjust across concepts, hooks and targets, and Cohen's d gives the effect size. Gradients are computed
/// once per hook and input (batched), so each CAV costs one dot product per input.</summary>
public static class TcavAnalysis
{
    /// <summary>Runs TCAV.</summary>
    /// <param name="targets">Targets with their inputs; all share one model.</param>
    /// <param name="concepts">Concepts to test (each validated against <see cref="TcavOptions.MinExamples"/>).</param>
    /// <param name="random">Source of random counterpart sets.</param>
    /// <param name="options">Options.</param>
    /// <param name="relativePairs">Concept index pairs (A, B) for relative CAVs.</param>
    /// <param name="status">Progress messages.</param>
    /// <exception cref="InputException">Bad options, a concept with too few examples, an unusable hook, no inputs.</exception>
    public static TcavResult Run(
        IReadOnlyList<TcavTargetInputs> targets,
        IReadOnlyList<ConceptSet> concepts,
        RandomConcepts random,
        TcavOptions options,
        IReadOnlyList<(int A, int B)>? relativePairs = null,
        Action<string>? status = null
    )
    {
        var o = options.Validate();
        if (targets.Count == 0 || targets.Any(t => t.Inputs.Count == 0))
            throw new InputException("TCAV needs at least one target with at least one input text");
        if (concepts.Count == 0)
            throw new InputException("TCAV needs at least one --concept");
        var model = targets[0].Target.Model;
        foreach (var h in o.Hooks)
            HookActivations.Check(model, h);
        var used = concepts.Select(c => Cap(c.Require(o.MinExamples), o.ExamplesPerSet, o.Seed)).ToList();
        var kinds = used.Select(c => c.IsWordLevel).Distinct().ToList();
        var randoms = kinds.ToDictionary(
            k => k,
            k => Enumerable.Range(0, o.RandomRuns + 1).Select(i => random.Draw(i, o.ExamplesPerSet, k, o.Seed)).ToList()
        );

        var clock = System.Diagnostics.Stopwatch.StartNew();
        status?.Invoke("activations of concepts and random sets");
        var conceptActs = used.Select(c =>
                HookActivations.Pooled(targets[0].Target, c.Examples, o.Hooks, o.Pooling, o.BatchSize)
            )
            .ToList();
        var randomActs = randoms.ToDictionary(
            kv => kv.Key,
            kv =>
                kv.Value.Select(r =>
                        HookActivations.Pooled(targets[0].Target, r.Examples, o.Hooks, o.Pooling, o.BatchSize)
                    )
                    .ToList()
        );

        ConceptSetNull? nulls = null;
        if (o.NullSets > 0)
        {
            status?.Invoke("activations of random concept sets (set-level null)");
            nulls = ConceptSetNull.Prepare(used, random, o, targets[0].Target);
        }

        double tActivations = clock.Elapsed.TotalSeconds;
        var grads = new List<Dictionary<string, float[][]>>();
        foreach (var t in targets)
        {
            status?.Invoke($"directional derivatives for {t.Target.Name}");
            grads.Add(HookActivations.PooledGradients(t.Target, t.Inputs, o.Hooks, o.Pooling, o.BatchSize));
        }

        double tGradients = clock.Elapsed.TotalSeconds - tActivations;
        var raw =
            new List<(
                string Concept,
                string Hook,
                string Target,
                double[] Scores,
                double[] Mags,
                double[] Random,
                double Acc
            )>();
        var entries = new List<(ConceptSet Concept, int Target, double[] Cosines)>();
        var relative = new List<RelativeTcavScore>();
        for (int hi = 0; hi < o.Hooks.Count; hi++)
        {
            string hook = o.Hooks[hi];
            status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"CAVs at {hook} ({hi + 1}/{o.Hooks.Count})"));
            // Random-vs-random CAVs: counterpart set R against random set r, per example kind.
            var randomCavs = randomActs.ToDictionary(
                kv => kv.Key,
                kv =>
                    Enumerable
                        .Range(0, o.RandomRuns)
                        .Select(r =>
                            ConceptActivationVector.Fit(
                                kv.Value[o.RandomRuns][hook],
                                kv.Value[r][hook],
                                o.Method,
                                Seed(o, hi, -1, r)
                            )
                        )
                        .ToList()
            );
            for (int ci = 0; ci < used.Count; ci++)
            {
                var acts = randomActs[used[ci].IsWordLevel];
                var cavs = Enumerable
                    .Range(0, o.RandomRuns)
                    .Select(r =>
                        ConceptActivationVector.Fit(conceptActs[ci][hook], acts[r][hook], o.Method, Seed(o, hi, ci, r))
                    )
                    .ToList();
                for (int ti = 0; ti < targets.Count; ti++)
                {
                    var g = grads[ti][hook];
                    var derivatives = cavs.Select(c => c.Derivatives(g)).ToList();
                    var sc = derivatives.Select(d => Score(d)).ToList();
                    var rs = randomCavs[used[ci].IsWordLevel].Select(c => Score(c.Derivatives(g)).Score).ToArray();
                    raw.Add(
                        (
                            used[ci].Name,
                            hook,
                            targets[ti].Target.Name,
                            sc.Select(s => s.Score).ToArray(),
                            sc.Select(s => s.Magnitude).ToArray(),
                            rs,
                            cavs.Average(c => c.HeldOutAccuracy)
                        )
                    );
                    entries.Add(
                        (used[ci], ti, nulls is null ? [] : derivatives.Select(d => MeanCosine(d, g)).ToArray())
                    );
                }
            }
            if (nulls is not null)
            {
                status?.Invoke(
                    string.Create(CultureInfo.InvariantCulture, $"set-level null at {hook}: {nulls.Describe()}")
                );
                nulls.Score(hook, hi, randomActs, grads, o);
            }
            foreach (var (a, b) in relativePairs ?? Array.Empty<(int, int)>())
            {
                var cav = ConceptActivationVector.Fit(
                    conceptActs[a][hook],
                    conceptActs[b][hook],
                    o.Method,
                    Seed(o, hi, 1000 + a, b)
                );
                for (int ti = 0; ti < targets.Count; ti++)
                {
                    var positive = cav.Derivatives(grads[ti][hook]).Select(v => v > 0).ToArray();
                    var interval = Bootstrap.Proportion(
                        positive,
                        o.Resamples,
                        o.Seed,
                        string.Create(CultureInfo.InvariantCulture, $"relative {a} {b} {hook} {ti}")
                    );
                    relative.Add(
                        new RelativeTcavScore(
                            used[a].Name,
                            used[b].Name,
                            hook,
                            targets[ti].Target.Name,
                            interval,
                            cav.HeldOutAccuracy
                        )
                    );
                }
            }
        }
        var scores = Summarize(raw, o);
        return new TcavResult(
            nulls is null ? scores : nulls.Apply(scores, entries, o),
            relative,
            used.Select(c => new ConceptInfo(c.Name, c.Examples.Count, c.Source)).ToList(),
            random.Corpus,
            o,
            new TcavTimings(tActivations, tGradients, clock.Elapsed.TotalSeconds - tActivations - tGradients)
        );
    }

    /// <summary>TCAV score (fraction of positive derivatives) and magnitude (Σ positive / Σ |·|) of one CAV.</summary>
    public static (double Score, double Magnitude) Score(IReadOnlyList<double> derivatives)
    {
        double pos = 0,
            abs = 0;
        int n = 0;
        foreach (var d in derivatives)
        {
            if (d > 0)
            {
                n++;
                pos += d;
            }
            abs += Math.Abs(d);
        }
        return ((double)n / derivatives.Count, abs > 0 ? pos / abs : 0.5);
    }

    /// <summary>Mean over inputs of cos(CAV, gradient) = derivative / |gradient| (the CAV is a unit vector): a
    /// directional-derivative statistic that, unlike the TCAV score, does not saturate at 0 or 1. Inputs with a zero
    /// gradient count as 0.</summary>
    public static double MeanCosine(IReadOnlyList<double> derivatives, float[][] gradients)
    {
        double sum = 0;
        for (int i = 0; i < derivatives.Count; i++)
        {
            double norm = 0;
            foreach (float v in gradients[i])
                norm += (double)v * v;
            sum += norm > 0 ? derivatives[i] / Math.Sqrt(norm) : 0;
        }
        return sum / derivatives.Count;
    }

    /// <summary>The t-tests, effect sizes, intervals and the Holm / Bonferroni adjustment over the whole family.</summary>
    internal static List<TcavScore> Summarize(
        IReadOnlyList<(
            string Concept,
            string Hook,
            string Target,
            double[] Scores,
            double[] Mags,
            double[] Random,
            double Acc
        )> raw,
        TcavOptions o
    )
    {
        var tests = raw.Select(r => Test(r.Scores, r.Random)).ToList();
        var p = tests.Select(t => t.P).ToArray();
        var holm = Significance.Holm(p);
        var bonferroni = Significance.Bonferroni(p);
        return raw.Select(
                (r, i) =>
                {
                    int s = Bootstrap.Seed(o.Seed, r.Concept + "|" + r.Hook + "|" + r.Target);
                    return new TcavScore(
                        r.Concept,
                        r.Hook,
                        r.Target,
                        r.Scores,
                        Bootstrap.Percentile(r.Scores, x => x.Average(), o.Resamples, s).ContainingValue(),
                        Bootstrap.Percentile(r.Mags, x => x.Average(), o.Resamples, s + 1).ContainingValue(),
                        Bootstrap.Percentile(r.Random, x => x.Average(), o.Resamples, s + 2).ContainingValue(),
                        r.Acc,
                        tests[i].T,
                        p[i],
                        holm[i],
                        bonferroni[i],
                        tests[i].D,
                        holm[i] < o.Alpha
                    );
                }
            )
            .ToList();
    }

    /// <summary>Welch t-test of concept vs random scores; identical constant samples give t = 0, p = 1, d = 0; constant
    /// but different samples give d = ±∞ (serialised as a named literal).</summary>
    private static (double T, double P, double D) Test(double[] concept, double[] random)
    {
        var t = Significance.WelchT(concept, random);
        // Both samples constant and equal: no evidence either way.
        return double.IsNaN(t.P) ? (0, 1, 0) : (t.T, t.P, t.CohensD);
    }

    private static int Seed(TcavOptions o, int hook, int concept, int run) =>
        unchecked(o.Seed * 31 + hook * 1000003 + concept * 7919 + run * 104729);

    private static ConceptSet Cap(ConceptSet c, int max, int seed)
    {
        if (c.Examples.Count <= max)
            return c;
        var perm = Glassbox.Data.SeededSplit.Permutation(c.Examples.Count, Bootstrap.Seed(seed, c.Name));
        return c with { Examples = perm.Take(max).Order().Select(i => c.Examples[i]).ToList() };
    }
}
