using Glassbox.Llm;
using Glassbox.Statistics;

namespace Glassbox.Neurons.Explanations;

/// <summary>Options of a scoring run.</summary>
/// <param name="Baselines">Other units' explanations scored on each unit (the shuffled baseline).</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Seed of the shuffle and the bootstraps.</param>
/// <param name="Level">Confidence level.</param>
/// <param name="Parallelism">Units worked on at once (LLM calls are further limited by <see cref="RobustChat"/>).</param>
public sealed record ScoreOptions(
    int Baselines = 1,
    int Resamples = Bootstrap.DefaultResamples,
    int Seed = 0,
    double Level = 0.95,
    int Parallelism = 4
);

/// <summary>Scores of a run and their summary over units.</summary>
/// <param name="Units">Per unit, in the order asked.</param>
/// <param name="Scored">Units with a score (their activations varied on the held-out excerpts).</param>
/// <param name="MeanScore">Mean score over scored units, bootstrap over units.</param>
/// <param name="MeanBaseline">Mean shuffled-explanation baseline over those units.</param>
/// <param name="MeanDifference">Mean of score − baseline (paired), bootstrap over units.</param>
/// <param name="BeatBaseline">Units whose score exceeds their baseline.</param>
public sealed record ScoreSummary(
    IReadOnlyList<UnitScore> Units,
    int Scored,
    Interval? MeanScore,
    Interval? MeanBaseline,
    Interval? MeanDifference,
    int BeatBaseline
);

/// <summary>
/// Explain, simulate, score (Bills et al. 2023) for any <see cref="IExcerptSource"/> (model units from
/// <see cref="ExcerptCollector"/>, the activation store, SAE features): phase 1 explains every unit from its train
/// top excerpts, phase 2 simulates each explanation on the unit's held-out top and random excerpts, scores the
/// correlation, and scores <see cref="ScoreOptions.Baselines"/> other units' explanations on the same excerpts (a
/// seeded derangement, so no unit is its own baseline). Every finished step is saved in the
/// <see cref="ScoreResultsFile"/>; units already there are skipped. The first <see cref="LlmUnavailableException"/>
/// stops the run (what finished stays saved) and is rethrown.
/// </summary>
public static class ExplainScorePipeline
{
    /// <summary>Runs (or resumes) the scoring of <paramref name="units"/>.</summary>
    /// <param name="source">Excerpts per unit.</param>
    /// <param name="units">Units to score.</param>
    /// <param name="explainer">Writes explanations.</param>
    /// <param name="simulator">Simulates them.</param>
    /// <param name="options">Baselines, bootstrap, seed.</param>
    /// <param name="results">The resumable record (null: in memory).</param>
    /// <param name="progress">Called with (phase, done, total).</param>
    /// <param name="cancellationToken">Stops the run; finished units stay saved.</param>
    /// <exception cref="LlmUnavailableException">The LLM failed after its retries.</exception>
    public static async Task<ScoreSummary> RunAsync(
        IExcerptSource source,
        IReadOnlyList<UnitRef> units,
        IExplainer explainer,
        ISimulator simulator,
        ScoreOptions? options = null,
        ScoreResultsFile? results = null,
        Action<string, int, int>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(explainer);
        ArgumentNullException.ThrowIfNull(simulator);
        var o = options ?? new ScoreOptions();
        if (o.Baselines < 0 || o.Resamples < 0 || o.Parallelism < 1)
            throw new InputException("baselines and resamples must be 0 or more, parallelism at least 1");
        var list = units.Distinct().ToList();
        var names = list.Select(u => u.ToString()).ToList();
        var store = results ?? ScoreResultsFile.InMemory("memory");
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = o.Parallelism,
            CancellationToken = cancellationToken,
        };

        int done = list.Count(u => store.Explanation(u.ToString()) is not null);
        progress?.Invoke("explain", done, list.Count);
        await ForEachAsync(list.Where(u => store.Explanation(u.ToString()) is null), parallel, async (u, ct) =>
            {
                var x = source.Excerpts(u);
                string e = await explainer.ExplainAsync(x, ct).ConfigureAwait(false);
                store.SetExplanation(u.ToString(), e);
                progress?.Invoke("explain", Interlocked.Increment(ref done), list.Count);
            })
            .ConfigureAwait(false);

        var donors = Donors(list.Count, o.Baselines, o.Seed);
        done = list.Count(u => store.Score(u.ToString()) is not null);
        progress?.Invoke("score", done, list.Count);
        await ForEachAsync(
                Enumerable.Range(0, list.Count).Where(i => store.Score(names[i]) is null),
                parallel,
                async (i, ct) =>
                {
                    var x = source.Excerpts(list[i]);
                    string own = store.Explanation(names[i])!;
                    var sim = await ExplanationScorer.SimulateAsync(own, x, simulator, ct).ConfigureAwait(false);
                    var others = new List<SimulatedExcerpts>();
                    foreach (int d in donors[i])
                        others.Add(
                            await ExplanationScorer
                                .SimulateAsync(store.Explanation(names[d])!, x, simulator, ct)
                                .ConfigureAwait(false)
                        );
                    int seed = Bootstrap.Seed(o.Seed, names[i]);
                    var score = ExplanationScorer.Score(x, new[] { sim }, o.Resamples, seed, o.Level);
                    var baseline =
                        others.Count == 0 ? null : ExplanationScorer.Score(x, others, o.Resamples, seed, o.Level);
                    store.SetScore(
                        new UnitScore(
                            names[i],
                            own,
                            score,
                            donors[i].Select(d => names[d]).ToList(),
                            baseline,
                            x.HeldOut.Sum(e => e.Tokens.Count),
                            sim.Malformed + others.Sum(s => s.Malformed)
                        )
                    );
                    progress?.Invoke("score", Interlocked.Increment(ref done), list.Count);
                }
            )
            .ConfigureAwait(false);
        return Summarise(names.Select(n => store.Score(n)!).ToList(), o);
    }

    /// <summary><see cref="Parallel.ForEachAsync{T}(IEnumerable{T}, ParallelOptions, Func{T, CancellationToken, ValueTask})"/>
    /// that surfaces the first <see cref="LlmUnavailableException"/> (not the cancellations it caused).</summary>
    private static async Task ForEachAsync<T>(
        IEnumerable<T> items,
        ParallelOptions options,
        Func<T, CancellationToken, ValueTask> body
    )
    {
        LlmUnavailableException? failure = null;
        try
        {
            await Parallel
                .ForEachAsync(items, options, async (item, ct) =>
                {
                    try
                    {
                        await body(item, ct).ConfigureAwait(false);
                    }
                    catch (LlmUnavailableException e)
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                        throw;
                    }
                })
                .ConfigureAwait(false);
        }
        catch (Exception) when (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>For each of <paramref name="n"/> units, <paramref name="k"/> other units (a seeded shuffle, then the
    /// next k in the shuffled cycle), fewer when there are not enough units.</summary>
    public static IReadOnlyList<int[]> Donors(int n, int k, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        int take = Math.Min(k, Math.Max(0, n - 1));
        var result = new int[n][];
        for (int j = 0; j < n; j++)
            result[order[j]] = Enumerable.Range(1, take).Select(s => order[(j + s) % n]).ToArray();
        return result;
    }

    /// <summary>Means over the scored units with bootstrap intervals over units.</summary>
    public static ScoreSummary Summarise(IReadOnlyList<UnitScore> scores, ScoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(options);
        var scored = scores.Where(s => s.Scored).ToList();
        var paired = scored.Where(s => s.Baseline is { } b && double.IsFinite(b.Value)).ToList();
        Interval? Mean(IReadOnlyList<double> v, string name) =>
            v.Count == 0
                ? null
                : Bootstrap.Percentile(
                    v,
                    a => a.Average(),
                    options.Resamples,
                    Bootstrap.Seed(options.Seed, name),
                    options.Level
                );
        return new ScoreSummary(
            scores,
            scored.Count,
            Mean(scored.Select(s => s.Score.Value).ToList(), "score"),
            Mean(paired.Select(s => s.Baseline!.Value).ToList(), "baseline"),
            Mean(paired.Select(s => s.Score.Value - s.Baseline!.Value).ToList(), "difference"),
            paired.Count(s => s.Score.Value > s.Baseline!.Value)
        );
    }
}
