using System.Globalization;
using Glassbox.Classification;
using Glassbox.Loading;
using Glassbox.Tests.Loading;

namespace Glassbox.Tests.Classification;

public sealed class ClassifierTrainerTests
{
    private static LabeledTextSet Data(int count, int seed = 0) =>
        new(
            "tiny sentiment",
            ["negative", "positive"],
            TinyClassifiers
                .Sentences(count, seed)
                .Select(r => new LabeledText(r.Text, r.Label == "positive" ? 1 : 0))
                .ToList()
        );

    private static readonly ClassifierTrainOptions Short = new()
    {
        BatchSize = 4,
        LearningRate = 3e-3,
        MaxLength = 16,
        Seed = 7,
        CheckpointEvery = 2,
    };

    [Fact]
    public void Should_learn_a_separable_task_well_above_the_majority_baseline()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        var data = Data(64);
        var r = ClassifierTrainer.Train(c, data, Short with { Epochs = 20, BatchSize = 16, LearningRate = 1e-2 }, null);
        Assert.Equal(80, r.Steps);
        Assert.True(r.Losses.TakeLast(4).Average() < r.Losses.Take(4).Average(), "the loss did not fall");
        var eval = ClassifierEvaluation.Evaluate(c, Data(40, seed: 9));
        Assert.Equal(0.5, eval.MajorityBaseline);
        Assert.True(
            eval.Accuracy.Value >= 0.8,
            string.Create(CultureInfo.InvariantCulture, $"held-out accuracy {eval.Accuracy.Value:F3}")
        );
        Assert.True(eval.Accuracy.Lower <= eval.Accuracy.Value && eval.Accuracy.Value <= eval.Accuracy.Upper);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_resume_a_killed_run_to_the_same_weights_as_an_uninterrupted_one(bool freeze)
    {
        using var dir = new TempDir();
        var data = Data(28); // 7 steps of 4
        var options = Short with { FreezeEncoder = freeze };
        string a = dir.File("a"),
            b = dir.File("b");
        using (var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 2))
            ClassifierTrainer.Train(c, data, options, a);

        using (var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 2))
        using (var cts = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() =>
                ClassifierTrainer.Train(
                    c,
                    data,
                    options,
                    b,
                    p =>
                    {
                        if (p.Step == 5)
                            cts.Cancel(); // killed after step 5: the last checkpoint is step 4
                    },
                    cancel: cts.Token
                )
            );
        }
        Assert.Contains(
            "\"step\": 4",
            File.ReadAllText(Path.Combine(b, "trainer_state.json")),
            StringComparison.Ordinal
        );
        ClassifierTrainResult resumed;
        using (var c = ClassifierCheckpoint.Load(b))
            resumed = ClassifierTrainer.Train(c, data, options, b, resume: true);
        Assert.Equal(4, resumed.ResumedFromStep);
        Assert.Equal(3, resumed.Losses.Count);

        using var ca = ClassifierCheckpoint.Load(a);
        using var cb = ClassifierCheckpoint.Load(b);
        foreach (var (k, t) in ca.Encoder.Weights)
            Assert.True(TinyModels.MaxAbsDiff(t, cb.Encoder.Weights[k]) == 0f, "encoder weight differs: " + k);
        foreach (var (k, t) in ca.HeadWeights)
            Assert.True(TinyModels.MaxAbsDiff(t, cb.HeadWeights[k]) == 0f, "head weight differs: " + k);
        Assert.False(File.Exists(Path.Combine(a, "optimizer.safetensors")), "a finished run keeps no optimiser state");
    }

    [Fact]
    public void Should_leave_a_frozen_encoder_unchanged_and_train_the_head()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 3);
        var before = c.Encoder.Weights.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var head = c.HeadWeights.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        ClassifierTrainer.Train(c, Data(16), Short with { FreezeEncoder = true }, null);
        foreach (var (k, t) in before)
            Assert.True(TinyModels.MaxAbsDiff(t, c.Encoder.Weights[k]) == 0f, "frozen weight changed: " + k);
        Assert.True(TinyModels.MaxAbsDiff(head["classifier.weight"], c.HeadWeights["classifier.weight"]) > 0f);
        foreach (var t in before.Values.Concat(head.Values))
            t.Dispose();
    }

    [Fact]
    public void Should_give_identical_losses_for_the_same_seed()
    {
        double[] Run()
        {
            using var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 4);
            return ClassifierTrainer.Train(c, Data(20), Short, null).Losses.ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Should_refuse_to_resume_with_other_options()
    {
        using var dir = new TempDir();
        var data = Data(12);
        using (var c = TinyClassifiers.Create())
            ClassifierTrainer.Train(c, data, Short, dir.Path + "/run");
        using var back = ClassifierCheckpoint.Load(dir.Path + "/run");
        var ex = Assert.Throws<InputException>(() =>
            ClassifierTrainer.Train(back, data, Short with { LearningRate = 1e-2 }, dir.Path + "/run", resume: true)
        );
        Assert.Contains("option lr", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_data_whose_labels_are_not_the_classifiers()
    {
        using var c = TinyClassifiers.Create();
        var data = Data(8) with { Labels = ["bad", "good"] };
        var ex = Assert.Throws<InputException>(() => ClassifierTrainer.Train(c, data, Short, null));
        Assert.Contains("differ from the classifier's", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Should_read_sst2_and_take_training_steps_on_a_frozen_minilm()
    {
        Skip.If(ClassifierData.Sst2File("train") is null, "SST-2 is not in ../shared/data/sst2");
        var all = ClassifierData.ReadForTraining("sst2");
        Assert.Equal(67349, all.Rows.Count); // ../shared/data/README.md: 29,780 negative, 37,569 positive
        Assert.Equal(37569, all.Rows.Count(r => r.Label == 1));
        var dev = ClassifierData.ReadForLabels("sst2", ClassifierData.Sst2Labels, "dev");
        Assert.Equal(872, dev.Rows.Count);
        Assert.Equal(444, dev.Rows.Count(r => r.Label == 1));
        var train = ClassifierData.Take(all, 64, 0);
        using var c = SequenceClassifier.Create(ModelLoader.Load("minilm"), train.Labels, ClassifierPooling.Mean, 0);
        var r = ClassifierTrainer.Train(
            c,
            train,
            new ClassifierTrainOptions
            {
                FreezeEncoder = true,
                LearningRate = 1e-3,
                BatchSize = 32,
                MaxLength = 32,
            },
            null
        );
        Assert.Equal(2, r.Steps);
        Assert.All(r.Losses, l => Assert.True(double.IsFinite(l) && l > 0));
        var p = c.Probabilities([dev.Rows[0].Text, dev.Rows[1].Text], 32);
        Assert.All(p, row => Assert.Equal(1.0, row.Sum(), 4));
    }
}
