using System.Globalization;
using Glassbox.Classification;
using Glassbox.Models;
using Glassbox.Tokenization;
using static TorchSharp.torch;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox run -m DIR</c> on a classifier directory: the class probabilities of one text.</summary>
internal static class ClassifierRun
{
    public static int Execute(RunCommand.Settings s)
    {
        GlassboxRuntime.Initialize(s.Threads);
        using var c = CliModel.Classifier(s, s.Model);
        var ids = CliModel.Ids(c.Encoder, s.Text, s.TokenIds);
        float[] probs;
        using (var scope = NewDisposeScope())
        {
            using var batch = TokenBatch.Single(ids, c.Encoder.Device);
            using var logits = c.Logits(batch); // [1, n_labels]
            probs = logits.softmax(-1)[0].cpu().data<float>().ToArray();
        }
        int best = Array.IndexOf(probs, probs.Max());
        var tokens = ids.Select(i => CliModel.Tok(c.Encoder, i)).ToList();
        var rows = c.Labels.Select((l, i) => new { label = l, probability = probs[i] }).ToList();
        if (s.Json)
        {
            CliJson.Write(
                "run",
                c.Encoder.Name,
                new
                {
                    tokens,
                    ids,
                    classifier = true,
                    pooling = SequenceClassifier.PoolingName(c.Pooling),
                    predicted = c.Labels[best],
                    classes = rows,
                },
                RunManifest.For("run", c.Encoder)
            );
            return 0;
        }
        Show.Markup(
            $"[bold]{c.Encoder.Name}[/] (classifier, {SequenceClassifier.PoolingName(c.Pooling)} pooling) on {ids.Count} tokens: {string.Join(" ", tokens.Select(TokenDisplay.Label))}"
        );
        var t = Show.Table("class", "probability", "");
        for (int i = 0; i < rows.Count; i++)
            t.Row(
                rows[i].label,
                rows[i].probability.ToString("F4", CultureInfo.InvariantCulture),
                i == best ? "predicted" : ""
            );
        Show.Write(t);
        return 0;
    }
}
