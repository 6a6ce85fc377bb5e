using System.Diagnostics;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Statistics;
using static TorchSharp.torch;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Runs ER-TEST on one classifier: accuracy per set with bootstrap intervals (groups resampled whole), group
/// consistency, and the plausibility of its explanations against held-out human rationales with a random control.</summary>
public static class ErEvaluation
{
    /// <summary>Evaluates <paramref name="classifier"/> (labels negative, positive) on <paramref name="sets"/> and,
    /// when given, the plausibility sentences.</summary>
    /// <exception cref="InputException">The classifier's labels are not SST-2's, or a set is empty.</exception>
    public static ErTestResult Evaluate(
        SequenceClassifier classifier,
        string model,
        IReadOnlyList<ErTestSet> sets,
        IReadOnlyList<RationaleText> plausibility,
        IReadOnlyList<string> missing,
        ErTestOptions options
    )
    {
        if (!classifier.Labels.SequenceEqual(ClassifierData.Sst2Labels, StringComparer.Ordinal))
            throw new InputException(
                $"ER-TEST scores sentiment: the model's labels must be negative, positive (got {string.Join(", ", classifier.Labels)})"
            );
        var clock = Stopwatch.StartNew();
        long total = sets.Sum(s => (long)s.Rows.Count) + plausibility.Count * 2L,
            done = 0;
        var scores = new List<ErSetScore>();
        foreach (var set in sets)
        {
            if (set.Rows.Count == 0)
                throw new InputException($"ER-TEST set {set.Name} is empty");
            var predicted = new int[set.Rows.Count];
            for (int from = 0; from < set.Rows.Count; from += options.BatchSize)
            {
                var chunk = set.Rows.Skip(from).Take(options.BatchSize).ToList();
                var p = classifier.Probabilities(chunk.Select(r => r.Text).ToList(), options.MaxLength);
                for (int i = 0; i < chunk.Count; i++)
                    predicted[from + i] = p[i][1] > p[i][0] ? 1 : 0;
                done += chunk.Count;
                options.Progress?.Invoke(done, total);
            }
            scores.Add(Score(set, predicted, options));
        }
        var plaus = new List<ErPlausibility>();
        if (plausibility.Count > 0)
            foreach (var m in new[] { ErMethod.GradientTimesInput, ErMethod.Attention })
            {
                plaus.Add(
                    Plausible(classifier, plausibility, m, options, d => options.Progress?.Invoke(done + d, total))
                );
                done += plausibility.Count;
            }
        return new ErTestResult(model, scores, plaus, missing, clock.Elapsed.TotalSeconds);
    }

    private static ErSetScore Score(ErTestSet set, int[] predicted, ErTestOptions o)
    {
        var correct = set.Rows.Select((r, i) => r.Label == predicted[i]).ToArray();
        if (set.Groups is null)
            return new ErSetScore(
                set.Name,
                set.Kind,
                correct.Length,
                Bootstrap.Proportion(correct, o.Resamples, o.Seed, set.Name),
                null,
                null
            );
        var groups = Enumerable.Range(0, correct.Length).GroupBy(i => set.Groups[i]).Select(g => g.ToArray()).ToArray();
        bool GroupOk(int[] g) =>
            set.Metric == GroupMetric.AllCorrect ? g.All(i => correct[i]) : g.All(i => predicted[i] == predicted[g[0]]);
        var acc = Bootstrap
            .Percentile(
                groups.Length,
                drawn =>
                {
                    int n = 0,
                        c = 0;
                    foreach (int d in drawn)
                    foreach (int i in groups[d])
                    {
                        n++;
                        c += correct[i] ? 1 : 0;
                    }
                    return c / (double)n;
                },
                o.Resamples,
                Bootstrap.Seed(o.Seed, set.Name)
            )
            .ContainingValue() with
        {
            Count = correct.Length,
        };
        var ok = groups.Select(GroupOk).ToArray();
        var group = Bootstrap.Proportion(ok, o.Resamples, o.Seed, set.Name + "/group");
        return new ErSetScore(
            set.Name,
            set.Kind,
            correct.Length,
            acc,
            group,
            set.Metric == GroupMetric.AllCorrect ? "allCorrect" : "allSame"
        );
    }

    private static ErPlausibility Plausible(
        SequenceClassifier c,
        IReadOnlyList<RationaleText> sentences,
        ErMethod method,
        ErTestOptions o,
        Action<long> progress
    )
    {
        var tok = c.Encoder.Tokenizer ?? throw new InputException($"{c.Encoder.Name} has no tokenizer");
        var ap = new List<double>();
        var f1 = new List<double>();
        double share = 0;
        for (int from = 0; from < sentences.Count; from += 16)
        {
            using var scope = NewDisposeScope();
            var chunk = sentences.Skip(from).Take(16).ToList();
            var aligned = chunk
                .Select(s => TokenFeedback.Align(tok, WordFeedback.FromRationale(s.Words, s.Mask), o.MaxLength))
                .ToList();
            var gold = chunk.Select(s => s.Label == "positive" ? 1 : 0).ToList();
            var (_, scores) = TokenScores.Compute(c, aligned, gold, method, null, createGraph: false);
            var flat = scores.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            long pos = scores.shape[1];
            for (int b = 0; b < chunk.Count; b++)
            {
                var a = aligned[b];
                var s = flat.AsSpan((int)(b * pos), a.Ids.Count).ToArray();
                double p = Plausibility.AveragePrecision(s, a.ShouldMatter, a.Content);
                if (double.IsNaN(p))
                    continue;
                ap.Add(p);
                f1.Add(Plausibility.TopKF1(s, a.ShouldMatter, a.Content));
                share += a.ShouldMatter.Count(x => x) / (double)a.Content.Count(x => x);
            }
            progress(from + chunk.Count);
        }
        if (ap.Count == 0)
            throw new InputException("no plausibility sentence kept a rationale token after truncation");
        string name = ErOptions.Name(method);
        return new ErPlausibility(
            name,
            ap.Count,
            Mean(ap, o, name + "/ap"),
            Mean(f1, o, name + "/f1"),
            share / ap.Count
        );
    }

    private static Interval Mean(List<double> x, ErTestOptions o, string name) =>
        Bootstrap.Percentile(x.Count, d => d.Average(i => x[i]), o.Resamples, Bootstrap.Seed(o.Seed, name)) with
        {
            Count = x.Count,
        };
}
