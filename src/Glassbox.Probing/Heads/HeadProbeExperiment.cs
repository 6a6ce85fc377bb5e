using System.Diagnostics;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Tokenization;
using Glassbox.Views;

namespace Glassbox.Probing.Heads;

/// <summary>Options of <see cref="HeadProbeExperiment"/>.</summary>
public sealed record HeadProbeOptions
{
    /// <summary>Clark-style dependency scoring options (relations, baseline offsets, bootstrap).</summary>
    public DependencyHeadOptions Dependencies { get; init; } = new();

    /// <summary>Pattern classifier thresholds.</summary>
    public PatternClassOptions Patterns { get; init; } = new();

    /// <summary>Also mask each head and measure the LM loss (causal LMs) or a UPOS probe's accuracy (encoders,
    /// <see cref="ProbeAccuracyMetric"/>).</summary>
    public bool Masking { get; init; }

    /// <summary>Sentences per forward pass.</summary>
    public int BatchSize { get; init; } = 16;
}

/// <summary>Rollout and flow of one sample sentence, for the report picture.</summary>
/// <param name="Tokens">Printable tokens of the sample.</param>
/// <param name="Position">The output position traced back ([CLS] for encoders, the last token for causal LMs).</param>
/// <param name="Rollout">Rollout of that position over the input tokens after each layer [layer][token].</param>
/// <param name="Flow">Attention flow from each input token to that position at each layer [layer][token].</param>
public sealed record RolloutSample(IReadOnlyList<string> Tokens, int Position, double[][] Rollout, double[][] Flow);

/// <summary>Everything <c>glassbox probe heads</c> measures.</summary>
/// <param name="Sentences">Sentences analysed.</param>
/// <param name="Statistics">Per-head attention statistics.</param>
/// <param name="Dependencies">Best head per dependency relation against the offset baseline.</param>
/// <param name="Patterns">Kovaleva-style pattern classes.</param>
/// <param name="Masking">Head-masking effect on the LM loss (causal LMs) or on a probe's accuracy (encoders), when asked for.</param>
/// <param name="Sample">Rollout and flow of a sample sentence, when one of 4-24 tokens exists.</param>
/// <param name="Seconds">Wall-clock time of the analysis.</param>
public sealed record HeadProbeResult(
    int Sentences,
    HeadStatisticsResult Statistics,
    DependencyHeadResult Dependencies,
    PatternClassResult Patterns,
    HeadMaskingResult? Masking,
    RolloutSample? Sample,
    double Seconds
);

/// <summary>Runs the attention-head analyses on parsed sentences: statistics, Clark et al. dependency heads,
/// Kovaleva et al. pattern classes, optional head masking, and a rollout/flow sample.</summary>
public static class HeadProbeExperiment
{
    /// <summary>Runs the analyses.</summary>
    /// <param name="model">The model (must have a tokenizer).</param>
    /// <param name="sentences">Parsed sentences.</param>
    /// <param name="options">Options (null for defaults).</param>
    /// <param name="status">Progress messages.</param>
    /// <exception cref="InputException">No sentences, no tokenizer, or a bad relation.</exception>
    public static HeadProbeResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> sentences,
        HeadProbeOptions? options = null,
        Action<string>? status = null
    )
    {
        var opt = options ?? new HeadProbeOptions();
        DependencyRelations.Validate(opt.Dependencies.Relations);
        if (sentences.Count == 0)
            throw new InputException("no sentences to analyse");
        var tok = model.Tokenizer ?? throw new InputException($"{model.Name} has no tokenizer; head analyses need one");
        var watch = Stopwatch.StartNew();
        var roles = sentences
            .Select(s =>
            {
                var forms = s.Words.Select(w => w.Form).ToList();
                return TokenRoles.FromAligned(WordAlignment.Align(tok, forms, model.Config.NCtx), forms);
            })
            .ToList();
        status?.Invoke($"attention of {sentences.Count} sentences");
        var att = AttentionExtractor.Extract(model, roles, opt.BatchSize, d =>
            status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"attention {d}/{sentences.Count}"))
        );
        status?.Invoke("head statistics");
        var stats = HeadStatistics.Compute(att);
        status?.Invoke("dependency heads");
        var deps = DependencyHeads.Evaluate(att, sentences, opt.Dependencies);
        status?.Invoke("pattern classes");
        var patterns = PatternClassifier.ClassifyHeads(att, opt.Patterns);
        HeadMaskingResult? masking = null;
        int total = model.Config.NLayers * model.Config.NHeads;
        if (opt.Masking && model.Config.Causal && model.Config.HasUnembed)
            masking = HeadMasking.Run(
                model,
                LanguageModelLoss.Metric(roles.Select(r => r.Ids).ToList(), Math.Max(opt.BatchSize, 64)),
                "LM loss (nats/token)",
                d => status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"masking head {d}/{total}"))
            );
        else if (opt.Masking)
        {
            status?.Invoke("training the masking probe");
            using var metric = ProbeAccuracyMetric.Create(model, sentences);
            masking = HeadMasking.Run(
                model,
                metric.Measure,
                ProbeAccuracyMetric.Name,
                d => status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"masking head {d}/{total}")),
                higherIsBetter: true
            );
        }
        status?.Invoke("rollout and flow");
        var sample = Sample(model, att);
        return new HeadProbeResult(sentences.Count, stats, deps, patterns, masking, sample, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Rollout and flow of the first input of 4-24 tokens (null when there is none).</summary>
    public static RolloutSample? Sample(HookedTransformer model, IReadOnlyList<SentenceAttention> attention)
    {
        var s = attention.FirstOrDefault(a => a.Length is >= 4 and <= 24);
        if (s is null)
            return null;
        var layers = Enumerable.Range(0, s.Layers).Select(s.MeanOverHeads).ToList();
        int pos = model.Config.Causal ? s.Length - 1 : 0;
        var rollout = AttentionRollout.PerLayer(layers, pos);
        var flow = Enumerable.Range(1, s.Layers).Select(l => AttentionFlow.Compute(layers, l, pos)).ToArray();
        var tokens = s
            .Roles.Ids.Select(id => model.Tokenizer?.TokenToString(id) ?? id.ToString(CultureInfo.InvariantCulture))
            .ToList();
        return new RolloutSample(tokens, pos, rollout, flow);
    }
}
