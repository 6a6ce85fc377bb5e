using System.Globalization;
using Glassbox.Circuits.Lens;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Circuits.Weights;

/// <summary>Options of the skip-trigram search.</summary>
public sealed record SkipTrigramOptions
{
    /// <summary>Trigrams kept per head.</summary>
    public int PerHead { get; init; } = 5;

    /// <summary>Random sequences per trigram in the behavioural check.</summary>
    public int CheckSequences { get; init; } = 16;

    /// <summary>Random filler tokens before the source and between source and destination.</summary>
    public int Filler { get; init; } = 4;

    /// <summary>Seed of the check sequences.</summary>
    public int Seed { get; init; }
}

/// <summary>A skip-trigram "source … destination → output" read off one head's QK and OV circuits, with a behavioural check.</summary>
/// <param name="Layer">Block (always 0).</param>
/// <param name="Head">Head index.</param>
/// <param name="Source">Source token (attended to).</param>
/// <param name="Destination">Destination token (attending).</param>
/// <param name="Output">Output token whose logit the head raises.</param>
/// <param name="QkScore">Centred QK entry (destination row, source column).</param>
/// <param name="OvScore">Centred OV entry (source row, output column).</param>
/// <param name="LogitRise">Mean rise of the output token's logit at the destination when the source is present vs. replaced by a random token.</param>
/// <param name="RiseFraction">Fraction of check sequences where the logit rose.</param>
public sealed record SkipTrigram(
    int Layer,
    int Head,
    string Source,
    string Destination,
    string Output,
    double QkScore,
    double OvScore,
    double LogitRise,
    double RiseFraction
);

/// <summary>
/// Skip-trigrams of a one-layer attention-only model (Elhage et al. 2021): for each head the (source, destination,
/// output) triples with the largest product of the centred QK entry (destination attends to source) and the centred
/// OV entry (attending to source raises output). Each triple is then checked against the model: the output token's
/// logit at the destination should rise when the source token is earlier in the context.
/// </summary>
public static class SkipTrigrams
{
    /// <summary>Finds and checks the top skip-trigrams of every head.</summary>
    /// <exception cref="InputException">The model is not a one-layer attention-only causal LM, or its vocabulary is too large for the dense search.</exception>
    public static IReadOnlyList<SkipTrigram> Find(HookedTransformer m, SkipTrigramOptions? options = null)
    {
        var o = options ?? new SkipTrigramOptions();
        var c = m.Config;
        Unembedding.RequireLm(m, "skip-trigrams");
        if (c.NLayers != 1 || c.HasMlp)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"skip-trigrams are read off one-layer attention-only models; {m.Name} has {c.NLayers} layers{(c.HasMlp ? " and MLPs" : "")}"
                )
            );
        if (c.DVocab > 8192)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"vocabulary {c.DVocab} is too large for the dense skip-trigram search (at most 8192)"
                )
            );
        if (o.PerHead < 1 || o.CheckSequences < 1 || o.Filler < 0)
            throw new InputException("skip-trigram options must be positive");
        var found = new List<(int Head, int S, int D, int O, double Qk, double Ov)>();
        for (int h = 0; h < c.NHeads; h++)
        {
            using var scope = NewDisposeScope();
            using var ov = WeightCircuits.FullOV(m, new HeadRef(0, h));
            using var qk = WeightCircuits.FullQK(m, new HeadRef(0, h));
            var ovc = ov.Product();
            ovc = ovc - ovc.mean(new long[] { 1 }, keepdim: true); // [src, out]
            var qkc = qk.Product();
            qkc = qkc - qkc.mean(new long[] { 1 }, keepdim: true); // [dest, src]
            var (best, outTok) = ovc.max(1); // [src]
            var score = qkc.ClampMin(0) * best.ClampMin(0).unsqueeze(0); // [dest, src]
            var (_, flat) = score.flatten().topk(o.PerHead);
            var qkv = qkc.flatten();
            var outs = outTok.data<long>().ToArray();
            var bests = best.data<float>().ToArray();
            foreach (var f in flat.data<long>().ToArray())
            {
                int d = (int)(f / c.DVocab),
                    s = (int)(f % c.DVocab);
                found.Add((h, s, d, (int)outs[s], qkv[f].item<float>(), bests[s]));
            }
        }
        return found
            .Select(t =>
            {
                var (rise, frac) = Check(m, t.S, t.D, t.O, o);
                return new SkipTrigram(
                    0,
                    t.Head,
                    Unembedding.Text(m, t.S),
                    Unembedding.Text(m, t.D),
                    Unembedding.Text(m, t.O),
                    t.Qk,
                    t.Ov,
                    rise,
                    frac
                );
            })
            .ToList();
    }

    /// <summary>Mean rise of the output logit at the final (destination) position when the source token is in the
    /// context vs. replaced by a random token, over seeded random fillers, and the fraction of sequences where it rose.</summary>
    public static (double Rise, double Fraction) Check(
        HookedTransformer m,
        int source,
        int dest,
        int output,
        SkipTrigramOptions o
    )
    {
        var c = m.Config;
        var rng = new Random(HashCode.Combine(o.Seed, source, dest, output));
        var pool = Induction
            .RepeatedTokens.OrdinaryTokens(c)
            .Where(i => i != source && i != dest && i != output)
            .ToArray();
        int Draw() => pool.Length == 0 ? 0 : pool[rng.Next(pool.Length)];
        var with = new List<IReadOnlyList<int>>();
        var without = new List<IReadOnlyList<int>>();
        for (int i = 0; i < o.CheckSequences; i++)
        {
            var seq = new List<int>();
            if (c.BosTokenId is int bos)
                seq.Add(bos);
            for (int j = 0; j < o.Filler; j++)
                seq.Add(Draw());
            int at = seq.Count;
            seq.Add(source);
            for (int j = 0; j < o.Filler; j++)
                seq.Add(Draw());
            seq.Add(dest);
            var ctrl = seq.ToList();
            ctrl[at] = Draw();
            with.Add(seq);
            without.Add(ctrl);
        }
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.FromIds(with.Concat(without).ToList(), device: m.Device);
        var logits = m.Forward(batch)[.., -1, output]; // [2 * n]
        var a = logits.narrow(0, 0, o.CheckSequences);
        var b = logits.narrow(0, o.CheckSequences, o.CheckSequences);
        var diff = (a - b).data<float>().ToArray();
        return (diff.Average(), diff.Count(x => x > 0) / (double)diff.Length);
    }
}
