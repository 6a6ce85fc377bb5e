using System.Globalization;
using Glassbox.Classification;
using Glassbox.Concepts;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Concepts;

/// <summary>TCAV on tiny classifiers with synthetic concepts whose answer is known.</summary>
public sealed class TcavTests
{
    private static readonly string Hook = HookPoints.ResidPost.Name(1);

    /// <summary>A target computed from the mean-pooled activation p [batch, d] at a hook by <paramref name="read"/>
    /// (the classifier still runs through its call path).</summary>
    private sealed class PooledTarget(ITcavTarget inner, string hook, string name, Func<Tensor, Tensor> read)
        : ITcavTarget
    {
        public string Name => name;
        public HookedTransformer Model => inner.Model;

        public TokenBatch Tokenize(IReadOnlyList<string> texts) => inner.Tokenize(texts);

        public Tensor Value(TokenBatch batch, IReadOnlyList<Hook> hooks)
        {
            Tensor? value = null;
            var reader = new Hook(hook, (x, _) =>
            {
                var mask = batch.Mask.to(ScalarType.Float32).unsqueeze(2); // [batch, pos, 1]
                var pooled = x.mul(mask).sum(1).div(mask.sum(1)); // [batch, d]
                value = read(pooled).DetachFromDisposeScope(); // [batch]
                return null;
            });
            using var run = Model.Run(
                batch,
                hooks.Append(reader).ToList(),
                null,
                new RunOptions { KeepGradients = true }
            );
            return value!;
        }
    }

    /// <summary>Reads exactly one direction u of the pooled activation: its derivative along a CAV is u·CAV for every
    /// input.</summary>
    private static PooledTarget PlantedTarget(ITcavTarget inner, string hook, float[] u) =>
        new(inner, hook, "planted", p => p.matmul(tensor(u)));

    /// <summary>A target whose gradient varies with the input: value = p·u + ½·λ·((p − m)·v)² of the mean-pooled
    /// activation p, so the gradient is u + λ·((p − m)·v)·v. Along u it is positive for every input; along a random
    /// direction its sign depends on the input.</summary>
    private static PooledTarget QuadraticTarget(
        ITcavTarget inner,
        string hook,
        float[] u,
        float[] v,
        float[] m,
        float lambda
    ) => new(inner, hook, "quadratic", p =>
        {
            var a = p.sub(tensor(m)).matmul(tensor(v)); // [batch]
            return p.matmul(tensor(u)).Plus(a.Square().MulScalar(0.5 * lambda));
        });

    /// <summary>A target computed from a run that stops before block 1, so block 1's hooks get no gradient.</summary>
    private sealed class StopsEarly(ITcavTarget inner) : ITcavTarget
    {
        public string Name => "stops early";
        public HookedTransformer Model => inner.Model;

        public TokenBatch Tokenize(IReadOnlyList<string> texts) => inner.Tokenize(texts);

        public Tensor Value(TokenBatch batch, IReadOnlyList<Hook> hooks) =>
            Model
                .Run(batch, hooks, null, new RunOptions { KeepGradients = true, StopAtLayer = 1 })
                .Output.sum(new long[] { 1, 2 });
    }

    private static RandomConcepts Corpus() =>
        new(TinyClassifiers.Sentences(60, 3).Select(s => s.Text).ToList(), "tiny sentiment sentences");

    private static ConceptSet Words(string name, int from, int count) =>
        new(name, TinyClassifiers.Words.Skip(from).Take(count).ToList(), "test");

    private static TcavOptions Options(int runs = 12) =>
        new()
        {
            Hooks = new[] { Hook },
            RandomRuns = runs,
            ExamplesPerSet = 12,
            BatchSize = 8,
            Resamples = 200,
            Seed = 1,
        };

    [Fact]
    public void Should_find_a_planted_direction_significant_and_a_random_concept_not()
    {
        using var classifier = TinyClassifiers.Create();
        var inner = new ClassifierLogitTarget(classifier, "positive");
        var corpus = Corpus();
        var concept = Words("planted", 0, 14);
        var randomConcept = corpus.Draw(999, 12, true, 77) with { Name = "random-concept" };
        // u = concept mean − mean of every corpus word: the target reads the concept direction.
        var pool = corpus.Draw(500, 200, true, 5).Examples;
        var c = HookActivations.Pooled(inner, concept.Examples, new[] { Hook }, ConceptPooling.Mean, 8)[Hook];
        var r = HookActivations.Pooled(inner, pool, new[] { Hook }, ConceptPooling.Mean, 8)[Hook];
        var u = Enumerable
            .Range(0, c[0].Length)
            .Select(j => (float)(c.Average(x => x[j]) - r.Average(x => x[j])))
            .ToArray();
        var target = PlantedTarget(inner, Hook, u);
        var inputs = TinyClassifiers.Sentences(10, 9).Select(s => s.Text).ToList();

        // The planted target's derivative is the same for every input, so any fixed set whose mean leans along u
        // scores 0 or 1 in every run; the random concept is judged on the classifier's own logit instead.
        var result = TcavAnalysis.Run(
            new[] { new TcavTargetInputs(target, inputs), new TcavTargetInputs(inner, inputs) },
            new[] { concept, randomConcept },
            corpus,
            Options()
        );

        var planted = result.Scores.Single(s => s.Concept == "planted" && s.Target == "planted");
        var random = result.Scores.Single(s => s.Concept == "random-concept" && s.Target == inner.Name);
        Assert.True(planted.Score.Value > 0.9, "planted score " + planted.Score);
        Assert.True(planted.Significant, "planted p_holm " + planted.PHolm.ToString(CultureInfo.InvariantCulture));
        Assert.True(planted.CohensD > 0);
        Assert.False(
            random.Significant,
            "random concept p_holm " + random.PHolm.ToString(CultureInfo.InvariantCulture)
        );
        // Holm ≤ Bonferroni, both ≥ raw p.
        foreach (var s in result.Scores)
            Assert.True(
                s.P <= s.PHolm && s.PHolm <= s.PBonferroni,
                string.Create(CultureInfo.InvariantCulture, $"{s.P} {s.PHolm} {s.PBonferroni}")
            );
    }

    [Fact]
    public void Should_keep_a_random_concept_within_the_set_level_null_and_flag_a_planted_one()
    {
        using var classifier = TinyClassifiers.Create();
        var inner = new ClassifierLogitTarget(classifier, "positive");
        // Sentence concepts over 2,000 seeded six-word sentences: the 45-word vocabulary is too small for word sets
        // of 30 to differ.
        var words = new Random(11);
        var corpus = new RandomConcepts(
            Enumerable
                .Range(0, 2000)
                .Select(_ =>
                    string.Join(' ', Enumerable.Range(0, 6).Select(_ => TinyClassifiers.Words[words.Next(44)]))
                )
                .ToList(),
            "random six-word sentences"
        );
        var randomConcept = corpus.Draw(999, 30, false, 77) with { Name = "random-concept" };
        var pool = corpus.Draw(500, 600, false, 5).Examples;
        var inputs = TinyClassifiers.Sentences(40, 9).Select(s => s.Text).ToList();
        float[] Mean2(float[][] rows) =>
            Enumerable.Range(0, rows[0].Length).Select(j => (float)rows.Average(x => x[j])).ToArray();
        // u = a seeded random direction; the planted concept = the 30 of 600 sentences whose activations lie furthest along
        // it; v = another random direction orthogonal to u, scaled so the input-dependent part of the gradient is half
        // as large as u (one standard deviation over inputs).
        var poolActs = HookActivations.Pooled(inner, pool, new[] { Hook }, ConceptPooling.Mean, 8)[Hook];
        var rng = new Random(3);
        float[] RandomDirection() => poolActs[0].Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var u = RandomDirection();
        var concept = new ConceptSet(
            "planted",
            pool.Select((w, i) => (w, score: poolActs[i].Zip(u, (a, b) => (double)a * b).Sum()))
                .OrderByDescending(x => x.score)
                .Take(30)
                .Select(x => x.w)
                .ToList(),
            "test"
        );
        var v = RandomDirection();
        double uu = u.Sum(x => (double)x * x),
            vu = v.Zip(u, (a, b) => (double)a * b).Sum();
        v = v.Zip(u, (a, b) => (float)(a - vu / uu * b)).ToArray();
        double norm = Math.Sqrt(v.Sum(x => (double)x * x));
        v = v.Select(x => (float)(x / norm)).ToArray();
        var p = HookActivations.Pooled(inner, inputs, new[] { Hook }, ConceptPooling.Mean, 8)[Hook];
        var m = Mean2(p);
        var a = p.Select(row => row.Zip(m, (x, y) => (double)(x - y)).Zip(v, (d, w) => d * w).Sum()).ToArray();
        double sd = Math.Sqrt(a.Sum(x => x * x) / a.Length);
        var target = QuadraticTarget(inner, Hook, u, v, m, (float)(0.5 * Math.Sqrt(uu) / sd));

        var result = TcavAnalysis.Run(
            new[] { new TcavTargetInputs(target, inputs) },
            new[] { concept, randomConcept },
            corpus,
            // Mean-difference CAVs: the planted concept's direction is then its offset along u by construction.
            Options() with
            {
                NullSets = 30,
                NullRuns = 12,
                Method = CavMethod.DifferenceOfMeans,
                ExamplesPerSet = 30,
            }
        );

        var planted = result.Scores.Single(s => s.Concept == "planted").SetNull!.Cosine;
        var random = result.Scores.Single(s => s.Concept == "random-concept").SetNull!.Cosine;
        string Describe(SetNullStatistic t) =>
            string.Create(
                CultureInfo.InvariantCulture,
                $"mean {t.Concept} null {t.NullMean} [{t.Null.Min()}, {t.Null.Max()}] p_holm {t.PHolm}"
            );
        Assert.Equal(30, planted.Null.Count);
        Assert.True(planted.Significant, "planted " + Describe(planted));
        Assert.True(planted.Z > 0, "planted " + Describe(planted));
        Assert.False(random.Significant, "random " + Describe(random));
        Assert.InRange(random.PEmpirical, 1.0 / 31, 1);
        var planted2 = result.Scores.Single(s => s.Concept == "planted");
        Assert.Equal(planted2.Scores.Take(12).Average(), planted2.SetNull!.Score.Concept, 12);
    }

    [Fact]
    public void Should_refuse_set_null_options_out_of_range()
    {
        Assert.Throws<InputException>(() => (Options() with { NullSets = 1 }).Validate());
        Assert.Throws<InputException>(() => (Options(runs: 4) with { NullSets = 5, NullRuns = 5 }).Validate());
        Assert.Throws<InputException>(() => (Options() with { NullSets = 5, NullRuns = 0 }).Validate());
    }

    [Fact]
    public void Should_give_the_same_gradients_batched_and_one_at_a_time()
    {
        using var classifier = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 2);
        var target = new ClassifierLogitTarget(classifier, "negative");
        var texts = new[] { "the film was good", "bad", "i loved this very funny story .", "the plot is dull" };
        var hooks = new[] { HookPoints.ResidPost.Name(0), Hook };
        foreach (var pooling in new[] { ConceptPooling.Mean, ConceptPooling.Token })
        {
            var batched = HookActivations.PooledGradients(target, texts, hooks, pooling, 4);
            var single = HookActivations.PooledGradients(target, texts, hooks, pooling, 1);
            foreach (var h in hooks)
                for (int i = 0; i < texts.Length; i++)
                for (int j = 0; j < batched[h][i].Length; j++)
                    Assert.True(
                        Math.Abs(batched[h][i][j] - single[h][i][j]) < 1e-4,
                        string.Create(CultureInfo.InvariantCulture, $"{h} {i} {j}")
                    );
        }
    }

    [Fact]
    public void Should_fit_a_cav_that_separates_shifted_rows()
    {
        var rng = new Random(4);
        float[][] Rows(float shift) =>
            Enumerable
                .Range(0, 40)
                .Select(_ =>
                    Enumerable.Range(0, 6).Select(j => (float)(rng.NextDouble() + (j == 2 ? shift : 0))).ToArray()
                )
                .ToArray();
        var concept = Rows(3);
        var counterpart = Rows(0);
        foreach (var method in new[] { CavMethod.Logistic, CavMethod.DifferenceOfMeans })
        {
            var cav = ConceptActivationVector.Fit(concept, counterpart, method, 0);
            Assert.Equal(1.0, cav.HeldOutAccuracy);
            Assert.True(
                cav.Direction[2] > 0.9,
                method + " " + string.Join(",", cav.Direction.Select(v => v.ToString(CultureInfo.InvariantCulture)))
            );
        }
    }

    [Fact]
    public void Should_reject_a_concept_file_with_too_few_examples()
    {
        var path = Path.Combine(Path.GetTempPath(), "glassbox-tcav-few-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllLines(path, new[] { "good", "great", "good", "", "# comment" });
        try
        {
            var e = Assert.Throws<InputException>(() => ConceptSet.FromFile(path, 10));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("at least 10", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_reject_a_target_class_that_does_not_exist()
    {
        using var classifier = TinyClassifiers.Create();
        var e = Assert.Throws<InputException>(() => new ClassifierLogitTarget(classifier, "neutral"));
        Assert.Contains("negative, positive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_hook_without_gradients()
    {
        using var classifier = TinyClassifiers.Create();
        var target = new StopsEarly(new ClassifierLogitTarget(classifier, "positive"));
        var e = Assert.Throws<InputException>(() =>
            HookActivations.PooledGradients(target, new[] { "good film" }, new[] { Hook }, ConceptPooling.Mean, 4)
        );
        Assert.Contains("no gradient", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_hook_without_a_position_axis()
    {
        using var classifier = TinyClassifiers.Create();
        var e = Assert.Throws<InputException>(() =>
            HookActivations.Check(classifier.Encoder, HookPoints.AttnPattern.Name(0))
        );
        Assert.Contains("position axis", e.Message, StringComparison.Ordinal);
    }
}
