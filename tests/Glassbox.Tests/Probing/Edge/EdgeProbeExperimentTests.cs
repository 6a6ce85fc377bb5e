using System.Globalization;
using Glassbox.Data;
using Glassbox.Probing;
using Glassbox.Probing.Edge;
using Glassbox.Reports;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing.Edge;

public class EdgeProbeExperimentTests
{
    [Theory]
    [InlineData(EdgeTask.Pair, SpanPooling.Mean)]
    [InlineData(EdgeTask.Span, SpanPooling.Attention)]
    public void Should_run_every_layer_with_baselines_on_a_tiny_model(EdgeTask task, SpanPooling pooling)
    {
        using var model = ProbingFixtures.MaskedLm();
        var data = TemplateGrammar.Sentences(50, 3).Select(g => g.Parse).ToList();
        var options = new EdgeProbeOptions
        {
            Pooling = pooling,
            Resamples = 50,
            Seed = 1,
            Attention = new AttentionProbeOptions { Epochs = 3 },
            Probe = new ProbeOptions { MaxIterations = 20 },
        };
        var r = EdgeProbeExperiment.Run(model, data.Take(40).ToList(), data.Skip(40).ToList(), task, options);
        Assert.Equal(model.Config.NLayers + 1, r.Layers.Count);
        Assert.True(
            r.TrainExamples > 50 && r.TestExamples > 10,
            string.Create(CultureInfo.InvariantCulture, $"{r.TrainExamples}/{r.TestExamples}")
        );
        Assert.All(r.Layers, l =>
        {
            Assert.InRange(l.Task.Accuracy.Value, 0, 1);
            Assert.InRange(l.Task.Accuracy.Value, l.Task.Accuracy.Lower, l.Task.Accuracy.Upper);
            Assert.NotNull(l.Control);
            Assert.NotNull(l.RandomModel);
        });
        Assert.InRange(r.MajorityBaseline, 0.05, 0.95);
        if (task == EdgeTask.Span)
            Assert.Contains("NP", r.Labels);
        else
            Assert.Contains("det", r.Labels);
        var report = new HtmlReport("t");
        EdgeReport.AddSection(report, r, model.Name, "test data");
        Assert.Contains("<svg", report.Render());
    }

    [Fact]
    public void Should_learn_attention_that_finds_the_informative_word()
    {
        // Each 4-word span's label is the sign of feature 0 of its one marked word (feature 1 = 3); other words carry
        // large noise on feature 0, so mean pooling is unreliable but attention on feature 1 solves the task.
        var g = new Generator(5);
        int n = 600;
        var words = randn(n * 4, 6, generator: g).MulScalar(3.0);
        var rng = new Random(2);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            int marked = i * 4 + rng.Next(4);
            y[i] = rng.Next(2);
            words[marked, 0] = y[i] == 1 ? 2f : -2f;
            words[marked, 1] = 12f;
        }
        var spans = new SpanRows(
            Enumerable.Range(0, n).Select(i => (long)i * 4).ToArray(),
            Enumerable.Repeat(4, n).ToArray()
        );
        var train = Enumerable.Range(0, 500).ToArray();
        var test = Enumerable.Range(500, 100).ToArray();
        using var probe = AttentionSpanProbe.Train(
            words,
            new[] { spans.Subset(train) },
            train.Select(i => y[i]).ToArray(),
            2,
            new AttentionProbeOptions
            {
                Epochs = 60,
                LearningRate = 0.05,
                Patience = 15,
            }
        );
        var pred = probe.Predict(words, new[] { spans.Subset(test) });
        double acc = test.Select((i, k) => pred[k] == y[i] ? 1.0 : 0).Average();
        using var meanProbe = ClassifierProbe.Train(
            SpanPool.Pool(words, spans.Subset(train), SpanPooling.Mean),
            train.Select(i => y[i]).ToArray(),
            2
        );
        var meanPred = meanProbe.Predict(SpanPool.Pool(words, spans.Subset(test), SpanPooling.Mean));
        double meanAcc = test.Select((i, k) => meanPred[k] == y[i] ? 1.0 : 0).Average();
        Assert.True(acc > 0.9, string.Create(CultureInfo.InvariantCulture, $"attention {acc:F3}, mean {meanAcc:F3}"));
        Assert.True(
            acc > meanAcc,
            string.Create(CultureInfo.InvariantCulture, $"attention {acc:F3}, mean {meanAcc:F3}")
        );
    }
}
