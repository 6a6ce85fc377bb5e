using System.Globalization;
using Glassbox.Circuits.Detectors;
using Glassbox.Circuits.Weights;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Induction;

/// <summary>
/// The repeated-random-tokens test for induction heads (Olsson et al., 2022): per-token loss on the first vs the
/// second copy, an in-context-learning score, per-head previous-token, prefix-matching and copying scores, and the
/// effect of zero-ablating chosen heads (with randomly chosen other heads as a control).
/// </summary>
public static class InductionAnalyzer
{
    /// <summary>Analyses a causal language model.</summary>
    /// <exception cref="InputException">The model is not a causal LM, the segment does not fit, or an ablated head does not exist.</exception>
    public static InductionResult Analyze(HookedTransformer model, InductionOptions options)
    {
        var c = model.Config;
        if (!c.Causal || !c.HasUnembed)
            throw new InputException(
                $"{model.Name} is not a causal language model; the induction test needs next-token predictions"
            );
        foreach (var (l, h) in options.Ablate)
            if (l >= c.NLayers || h >= c.NHeads)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"--ablate: head {HeadName.Format(l, h)} does not exist ({c.NLayers} layers × {c.NHeads} heads)"
                    )
                );
        var data = RepeatedTokens.Make(c, options.SegmentLength, options.Sequences, options.Seed);
        int t = data.SegmentLength,
            o = data.Offset;
        int early = options.EarlyPosition ?? o + t / 2;
        int late = options.LatePosition ?? early + t;
        int last = o + 2 * t - 2;
        if (early < 0 || early > last || late < 0 || late > last)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--early/--late positions must be in 0..{last} (the last position that predicts a token), got {early} and {late}"
                )
            );

        var prev = new double[c.NLayers, c.NHeads];
        var ind = new double[c.NLayers, c.NHeads];
        var direct = new double[c.NLayers, c.NHeads];
        var perToken = new List<double[]>();
        int batches = 0;
        foreach (var chunk in data.Sequences.Chunk(Math.Max(1, options.BatchSize)))
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                chunk.Select(s => (IReadOnlyList<int>)s).ToList(),
                device: model.Device
            );
            var scaleName = HookPoints.LnFinalScale.Name();
            using var run = model.Run(
                batch,
                Array.Empty<Hook>(),
                HookFilter.Of(HookPoints.AttnPattern, HookPoints.AttnResult, HookPoints.LnFinalScale),
                new RunOptions { UseAttnResult = true }
            );
            perToken.AddRange(PerTokenLoss(run.Output, batch.Ids));
            var scale = run.Cache.Contains(scaleName) ? run.Cache[scaleName] : null;
            for (int l = 0; l < c.NLayers; l++)
            {
                var pattern = run.Cache[HookPoints.AttnPattern.Name(l)];
                var scores = HeadDetectors
                    .Score(pattern, t, o)
                    .mean(new long[] { 1 })
                    .to_type(ScalarType.Float64)
                    .contiguous()
                    .data<double>()
                    .ToArray(); // [detector, head]
                var dc = CopyingScores.DirectCopying(
                    model,
                    run.Cache[HookPoints.AttnResult.Name(l)],
                    scale,
                    batch.Ids,
                    t,
                    o
                );
                for (int h = 0; h < c.NHeads; h++)
                {
                    prev[l, h] += scores[h] * chunk.Length;
                    ind[l, h] += scores[2 * c.NHeads + h] * chunk.Length;
                    direct[l, h] += dc[h] * chunk.Length;
                }
            }
            batches++;
        }
        int n = data.Sequences.Count;
        var heads = new List<HeadInductionScore>();
        for (int l = 0; l < c.NLayers; l++)
        {
            for (int h = 0; h < c.NHeads; h++)
            {
                using var ov = WeightCircuits.FullOV(model, new HeadRef(l, h));
                heads.Add(
                    new HeadInductionScore(l, h, prev[l, h] / n, ind[l, h] / n, direct[l, h] / n, ov.CopyingScore())
                );
            }
        }
        var losses = Summarise(perToken, t, o, early, late, data.Candidates);
        AblationEffect? ablation =
            options.Ablate.Count == 0 ? null : Ablation(model, data, options, losses, early, late);
        List<HeadAblation>? scan = null;
        if (options.ScanHeads)
        {
            scan = new List<HeadAblation>();
            for (int l = 0; l < c.NLayers; l++)
            for (int h = 0; h < c.NHeads; h++)
            {
                var r = LossesWithAblation(model, data, new[] { (l, h) }, early, late, options.BatchSize);
                scan.Add(
                    new HeadAblation(
                        l,
                        h,
                        r.SecondCopy.Mean - losses.SecondCopy.Mean,
                        r.IclScore.Mean - losses.IclScore.Mean
                    )
                );
            }
        }
        var manifest = RunManifest.For(
            "induction",
            model,
            options.Seed,
            new Dictionary<string, string>
            {
                ["segment"] = t.ToString(CultureInfo.InvariantCulture),
                ["sequences"] = n.ToString(CultureInfo.InvariantCulture),
                ["early"] = early.ToString(CultureInfo.InvariantCulture),
                ["late"] = late.ToString(CultureInfo.InvariantCulture),
                ["ablate"] = string.Join(",", options.Ablate.Select(a => HeadName.Format(a.Layer, a.Head))),
            }
        );
        return new InductionResult(manifest, t, n, o == 1, losses, heads, ablation, scan);
    }

    /// <summary>Losses on the repeated sequences with the given heads zero-ablated on <c>attn.hook_z</c>.</summary>
    public static RepeatLosses LossesWithAblation(
        HookedTransformer model,
        RepeatedTokens data,
        IReadOnlyList<(int Layer, int Head)> heads,
        int early,
        int late,
        int batchSize = 32
    )
    {
        var hooks = heads
            .GroupBy(x => x.Layer)
            .Select(g => Hook.Zero(HookPoints.AttnZ.Name(g.Key), heads: g.Select(x => (long)x.Head).ToList()))
            .ToList();
        var perToken = new List<double[]>();
        foreach (var chunk in data.Sequences.Chunk(Math.Max(1, batchSize)))
        {
            using var scope = NewDisposeScope();
            using var batch = TokenBatch.FromIds(
                chunk.Select(s => (IReadOnlyList<int>)s).ToList(),
                device: model.Device
            );
            using var run = model.Run(batch, hooks, null);
            perToken.AddRange(PerTokenLoss(run.Output, batch.Ids));
        }
        return Summarise(perToken, data.SegmentLength, data.Offset, early, late, data.Candidates);
    }

    private static AblationEffect Ablation(
        HookedTransformer model,
        RepeatedTokens data,
        InductionOptions options,
        RepeatLosses clean,
        int early,
        int late
    )
    {
        var chosen = options.Ablate;
        var ablated = LossesWithAblation(model, data, chosen, early, late, options.BatchSize);
        // Control heads come from the chosen heads' layers when there are enough of them there (layer-matched), else from anywhere.
        var others = Enumerable
            .Range(0, model.Config.NLayers)
            .SelectMany(l => Enumerable.Range(0, model.Config.NHeads).Select(h => (l, h)))
            .Where(x => !chosen.Contains(x))
            .ToList();
        var sameLayers = others.Where(x => chosen.Any(c => c.Layer == x.l)).ToList();
        if (sameLayers.Count >= chosen.Count)
            others = sameLayers;
        double? ctrlLoss = null,
            ctrlIcl = null;
        if (others.Count >= chosen.Count && options.ControlDraws > 0)
        {
            var rng = new Random(unchecked((int)options.Seed) + 1);
            var dl = new List<double>();
            var di = new List<double>();
            for (int d = 0; d < options.ControlDraws; d++)
            {
                var pick = others.OrderBy(_ => rng.Next()).Take(chosen.Count).ToList();
                var r = LossesWithAblation(model, data, pick, early, late, options.BatchSize);
                dl.Add(r.SecondCopy.Mean - clean.SecondCopy.Mean);
                di.Add(r.IclScore.Mean - clean.IclScore.Mean);
            }
            ctrlLoss = dl.Average();
            ctrlIcl = di.Average();
        }
        return new AblationEffect(
            chosen.Select(x => HeadName.Format(x.Layer, x.Head)).ToList(),
            ablated,
            ablated.SecondCopy.Mean - clean.SecondCopy.Mean,
            ablated.IclScore.Mean - clean.IclScore.Mean,
            ctrlLoss,
            ctrlIcl
        );
    }

    /// <summary>Per-sequence next-token losses: row b, entry q = loss of predicting token q+1 at position q.</summary>
    private static IEnumerable<double[]> PerTokenLoss(Tensor logits, Tensor ids) // logits [batch, pos, d_vocab]
    {
        long b = logits.shape[0],
            p = logits.shape[1];
        var loss = NextTokenLoss.PerToken(logits, ids).to_type(ScalarType.Float64).cpu().data<double>().ToArray(); // [batch, pos-1]
        for (int i = 0; i < b; i++)
            yield return loss.AsSpan((int)(i * (p - 1)), (int)(p - 1)).ToArray();
    }

    private static RepeatLosses Summarise(List<double[]> perToken, int t, int o, int early, int late, int candidates)
    {
        // First copy: predictions at q = o .. o+T-2 (tokens o+1 .. o+T-1); second copy: q = o+T .. o+2T-2.
        var first = perToken.Select(r => r.Skip(o).Take(t - 1).Average()).ToList();
        var second = perToken.Select(r => r.Skip(o + t).Take(t - 1).Average()).ToList();
        var e = perToken.Select(r => r[early]).ToList();
        var l = perToken.Select(r => r[late]).ToList();
        var icl = perToken.Select(r => r[late] - r[early]).ToList();
        return new RepeatLosses(
            MeanSe.Of(first),
            MeanSe.Of(second),
            early,
            late,
            MeanSe.Of(e),
            MeanSe.Of(l),
            MeanSe.Of(icl),
            Math.Log(candidates)
        );
    }
}
