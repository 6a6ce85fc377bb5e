using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Statistics;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Options of an ER vs no-ER experiment.</summary>
public sealed record ErExperimentOptions
{
    /// <summary>Output folder: one classifier directory per (seed, condition) and their ER-TEST results.</summary>
    public required string OutDir { get; init; }

    /// <summary>Training seeds (head initialisation, data order, dropout).</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [0, 1, 2];

    /// <summary>The regulariser of the ER condition.</summary>
    public ErOptions Er { get; init; } = new();

    /// <summary>Training options shared by both conditions (the seed is set per run).</summary>
    public ClassifierTrainOptions Train { get; init; } = new();

    /// <summary>Pooling of the classifier head.</summary>
    public ClassifierPooling Pooling { get; init; } = ClassifierPooling.Mean;

    /// <summary>The evaluation.</summary>
    public ErTestOptions Test { get; init; } = new();
}

/// <summary>One trained and evaluated model.</summary>
/// <param name="Seed">Training seed.</param>
/// <param name="Condition">no-er or er.</param>
/// <param name="Directory">The classifier directory.</param>
/// <param name="TrainSeconds">Wall time of the training done in this call (0 when reused).</param>
/// <param name="Test">Its ER-TEST.</param>
public sealed record ErRun(long Seed, string Condition, string Directory, double TrainSeconds, ErTestResult Test);

/// <summary>ER vs no ER on one measure, over seeds.</summary>
/// <param name="Measure">e.g. <c>accuracy:yelp</c>, <c>group:contrast-imdb</c>, <c>ap:gradxinput</c>.</param>
/// <param name="Kind">The set's kind, or plausibility.</param>
/// <param name="NoEr">Mean over seeds with a Student-t interval.</param>
/// <param name="Er">Mean over seeds with a Student-t interval.</param>
/// <param name="Difference">Mean per-seed difference (ER − no ER) with a Student-t interval (paired by seed).</param>
/// <param name="P">Two-sided p of the paired t-test (NaN with fewer than 2 seeds or no variation).</param>
public sealed record ErComparison(
    string Measure,
    string Kind,
    Interval NoEr,
    Interval Er,
    Interval Difference,
    double P
);

/// <summary>The whole experiment.</summary>
/// <param name="TrainData">Training data description.</param>
/// <param name="Rationales">Where the rationales came from.</param>
/// <param name="RationaleCoverage">Fraction of training texts with at least one rationale word.</param>
/// <param name="Method">The ER explanation.</param>
/// <param name="Weight">λ.</param>
/// <param name="Runs">Every model.</param>
/// <param name="Comparisons">ER vs no ER per measure.</param>
public sealed record ErExperimentResult(
    string TrainData,
    string Rationales,
    double RationaleCoverage,
    string Method,
    double Weight,
    IReadOnlyList<ErRun> Runs,
    IReadOnlyList<ErComparison> Comparisons
);

/// <summary>
/// Trains a classifier with and without explanation regularisation for each seed and runs ER-TEST on every model.
/// Resumable: a finished model directory is reused, an interrupted one resumes from its checkpoint, and each model's
/// ER-TEST result is cached next to it (<c>er-test.json</c>, written atomically).
/// </summary>
public static class ErExperiment
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Runs the experiment.</summary>
    /// <param name="encoder">Loads a fresh pretrained encoder (called once per new model).</param>
    /// <param name="data">Training texts (single-spaced words).</param>
    /// <param name="feedback">Rationales per training text.</param>
    /// <param name="rationales">Description of the rationales.</param>
    /// <param name="options">Options.</param>
    /// <param name="status">Progress lines.</param>
    /// <param name="progress">(done, total) within the current phase.</param>
    public static ErExperimentResult Run(
        Func<HookedTransformer> encoder,
        LabeledTextSet data,
        IReadOnlyList<WordFeedback> feedback,
        string rationales,
        ErExperimentOptions options,
        Action<string>? status = null,
        Action<long, long>? progress = null
    )
    {
        var objective = new ExplanationObjective(data, feedback, options.Er);
        var missing = new List<string>();
        var sets = ErTestSets.Build(options.Test.MaxPerSet, options.Test.Seed, missing);
        var plaus = ErData.PlausibilitySample(options.Test, status);
        var runs = new List<ErRun>();
        foreach (var seed in options.Seeds)
        foreach (var cond in new[] { "no-er", "er" })
        {
            var dir = Path.Combine(options.OutDir, string.Create(CultureInfo.InvariantCulture, $"seed{seed}-{cond}"));
            var train = options.Train with { Seed = seed };
            double seconds = 0;
            if (!Complete(dir))
            {
                bool resume = File.Exists(Path.Combine(dir, "trainer_state.json"));
                status?.Invoke($"training {Path.GetFileName(dir)}{(resume ? " (resuming)" : "")}");
                using var c = resume
                    ? ClassifierCheckpoint.Load(dir)
                    : SequenceClassifier.Create(encoder(), data.Labels, options.Pooling, seed);
                var r = ClassifierTrainer.Train(
                    c,
                    data,
                    train,
                    dir,
                    p => progress?.Invoke(p.Step, p.TotalSteps),
                    resume,
                    objective: cond == "er" ? objective : null
                );
                seconds = r.Seconds;
            }
            var cache = Path.Combine(dir, "er-test.json");
            var test = ReadCache(cache);
            if (test is null)
            {
                status?.Invoke($"ER-TEST {Path.GetFileName(dir)}");
                using var c = ClassifierCheckpoint.Load(dir);
                test = ErEvaluation.Evaluate(c, dir, sets, plaus, missing, options.Test with { Progress = progress });
                AtomicFile.WriteAllText(cache, JsonSerializer.Serialize(test, Json));
            }
            runs.Add(new ErRun(seed, cond, dir, seconds, test));
        }
        double coverage = feedback.Count(f => f.Any) / (double)feedback.Count;
        return new ErExperimentResult(
            data.Description,
            rationales,
            coverage,
            options.Er.MethodName,
            options.Er.Weight,
            runs,
            Compare(runs)
        );
    }

    private static bool Complete(string dir)
    {
        var state = Path.Combine(dir, "trainer_state.json");
        if (!File.Exists(state))
            return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(state));
            return doc.RootElement.TryGetProperty("complete", out var c) && c.ValueKind == JsonValueKind.True;
        }
        catch (JsonException e)
        {
            throw new InputException($"{state}: not a trainer state ({e.Message}); delete the folder to retrain it", e);
        }
    }

    private static ErTestResult? ReadCache(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<ErTestResult>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException)
        {
            return null; // a damaged cache is recomputed
        }
    }

    /// <summary>ER vs no ER per measure, paired by seed.</summary>
    public static IReadOnlyList<ErComparison> Compare(IReadOnlyList<ErRun> runs)
    {
        var measures = new List<(string Name, string Kind, Func<ErTestResult, double?> Get)>();
        var first = runs[0].Test;
        foreach (var s in first.Sets)
        {
            var name = s.Name;
            measures.Add(($"accuracy:{name}", s.Kind, t => t.Sets.FirstOrDefault(x => x.Name == name)?.Accuracy.Value));
            if (s.Group is not null)
                measures.Add(
                    ($"{s.GroupMetric}:{name}", s.Kind, t => t.Sets.FirstOrDefault(x => x.Name == name)?.Group?.Value)
                );
        }
        foreach (var p in first.Plausibility)
        {
            var m = p.Method;
            measures.Add(
                ($"auprc:{m}", "plausibility", t =>
                    t.Plausibility.FirstOrDefault(x => x.Method == m)?.AveragePrecision.Value
                )
            );
            measures.Add(
                ($"tokenF1:{m}", "plausibility", t => t.Plausibility.FirstOrDefault(x => x.Method == m)?.TopKF1.Value)
            );
        }
        var seeds = runs.Select(r => r.Seed).Distinct().ToList();
        var list = new List<ErComparison>();
        foreach (var (name, kind, get) in measures)
        {
            var a = new List<double>();
            var b = new List<double>();
            foreach (var s in seeds)
            {
                var x = runs.FirstOrDefault(r => r.Seed == s && r.Condition == "no-er")?.Test is { } t0
                    ? get(t0)
                    : null;
                var y = runs.FirstOrDefault(r => r.Seed == s && r.Condition == "er")?.Test is { } t1 ? get(t1) : null;
                if (x is double xv && y is double yv && double.IsFinite(xv) && double.IsFinite(yv))
                {
                    a.Add(xv);
                    b.Add(yv);
                }
            }
            if (a.Count == 0)
                continue;
            var diff = a.Zip(b, (x, y) => y - x).ToList();
            double p = diff.Count >= 2 && diff.Distinct().Count() > 1 ? Significance.OneSampleT(diff).P : double.NaN;
            list.Add(
                // Every measure is a proportion or a mean of proportions: t intervals are clipped to its range.
                new ErComparison(
                    name,
                    kind,
                    Significance.MeanT(a).Clipped(0, 1),
                    Significance.MeanT(b).Clipped(0, 1),
                    Significance.MeanT(diff).Clipped(-1, 1),
                    p
                )
            );
        }
        return list;
    }
}
