using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Probing.Heads;

namespace Glassbox.Tests.Probing.Heads;

public sealed class HeadMaskingTests
{
    private static IReadOnlyList<IReadOnlyList<int>> Sequences()
    {
        var rng = new Random(3);
        return Enumerable
            .Range(0, 4)
            .Select(i => (IReadOnlyList<int>)Enumerable.Range(0, 6 + i).Select(_ => rng.Next(50)).ToArray())
            .ToList();
    }

    [Fact]
    public void Should_change_the_loss_when_a_whole_layer_is_masked_and_not_for_a_no_op()
    {
        using var model = TinyModels.Create("gpt2", seed: 1);
        var seqs = Sequences();
        double baseline = LanguageModelLoss.Compute(model, seqs, Array.Empty<Hook>());
        Assert.True(baseline > 0 && double.IsFinite(baseline));
        double masked = LanguageModelLoss.Compute(
            model,
            seqs,
            new[] { HeadMasking.MaskHeads(0, new long[] { 0, 1, 2, 3 }) }
        );
        Assert.True(
            Math.Abs(masked - baseline) > 1e-4,
            string.Create(
                CultureInfo.InvariantCulture,
                $"masking layer 0 left the loss at {masked} (baseline {baseline})"
            )
        );
        double noop = LanguageModelLoss.Compute(
            model,
            seqs,
            new[] { Hook.Read(HookName.Attn(0, "hook_z"), (_, _) => { }) }
        );
        Assert.Equal(baseline, noop, 9);
    }

    [Fact]
    public void Should_return_a_layer_by_head_matrix_of_changes_relative_to_the_baseline()
    {
        using var model = TinyModels.Create("gpt2", seed: 1);
        var r = HeadMasking.Run(model, LanguageModelLoss.Metric(Sequences()), "loss");
        Assert.Equal(2, r.Delta.Length);
        Assert.Equal(4, r.Delta[0].Length);
        Assert.Contains(r.Delta.SelectMany(x => x), d => Math.Abs(d) > 1e-5);
        Assert.Equal(r.Masked[1][2] - r.Baseline, r.Delta[1][2], 12);
        // A metric that ignores the hooks: every change is exactly zero.
        var flat = HeadMasking.Run(model, (_, _) => 0.5);
        Assert.All(flat.Delta.SelectMany(x => x), d => Assert.Equal(0.0, d));
    }

    [Fact]
    public void Should_refuse_lm_loss_on_an_encoder()
    {
        using var model = TinyModels.Create("bert");
        Assert.Throws<InputException>(() => LanguageModelLoss.Compute(model, Sequences(), Array.Empty<Hook>()));
    }
}

public sealed class ProbeAccuracyMetricTests
{
    [Fact]
    public void Should_measure_an_encoders_probe_accuracy_under_head_masking()
    {
        using var model = Glassbox.Models.HookedTransformer.Create(
            TinyModels.Bert,
            TinyModels.RandomWeights(TinyModels.Bert, 4),
            Glassbox.Tests.Probing.ProbingFixtures.Tokenizer(),
            name: "tiny-bert-words"
        );
        var sentences = Glassbox
            .Data.TemplateGrammar.Sentences(40, 1)
            .Select(g => g.Parse)
            .Select(s =>
                s with
                {
                    Words = s
                        .Words.Select(w =>
                            w with
                            {
                                Form = Glassbox.Tests.Probing.ProbingFixtures.Vocab[5 + (w.Upos.Length + w.Id) % 15],
                            }
                        )
                        .ToList(),
                }
            )
            .ToList();
        using var probe = ProbeAccuracyMetric.Create(model, sentences);
        Func<Glassbox.Models.HookedTransformer, IReadOnlyList<Glassbox.Hooks.Hook>, double> metric = probe.Measure;
        double baseline = metric(model, Array.Empty<Glassbox.Hooks.Hook>());
        Assert.InRange(baseline, 0, 1);
        Assert.Equal(baseline, metric(model, Array.Empty<Glassbox.Hooks.Hook>())); // deterministic
        var all = Enumerable
            .Range(0, TinyModels.Bert.NLayers)
            .Select(l => HeadMasking.MaskHeads(l, new long[] { 0, 1, 2, 3 }))
            .ToList();
        Assert.NotEqual(baseline, metric(model, all)); // masking every head changes the vectors
        var r = HeadMasking.Run(model, metric, ProbeAccuracyMetric.Name, higherIsBetter: true);
        Assert.True(r.HigherIsBetter);
        Assert.Equal(r.MostHarmful(1)[0].Delta, r.Delta.SelectMany(x => x).Min());
    }

    [Fact]
    public void Should_reject_too_few_sentences_for_the_masking_probe()
    {
        using var model = Glassbox.Models.HookedTransformer.Create(
            TinyModels.Bert,
            TinyModels.RandomWeights(TinyModels.Bert),
            Glassbox.Tests.Probing.ProbingFixtures.Tokenizer()
        );
        var few = Glassbox.Data.TemplateGrammar.Sentences(3, 1).Select(g => g.Parse).ToList();
        Assert.Throws<InputException>(() => ProbeAccuracyMetric.Create(model, few).Dispose());
    }
}
