using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Coreference;

/// <summary>Training settings of <see cref="SimilarityProbe"/>.</summary>
public sealed record SimilarityProbeOptions
{
    /// <summary>Rank k of the projection (capped at d_model).</summary>
    public int Rank { get; init; } = 32;

    /// <summary>Softmax temperature on the two cosine similarities.</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>Maximum full-batch Adam steps.</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>L2 penalty on the projection.</summary>
    public double L2 { get; init; } = 1e-4;

    /// <summary>Fraction of training sentences held out for early stopping (checked every 10 steps).</summary>
    public double DevFraction { get; init; } = 0.1;

    /// <summary>Checks without dev improvement before stopping.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>Seed (initialisation and dev split).</summary>
    public long Seed { get; init; }
}

/// <summary>
/// A low-rank linear map M [d, k] learned so that a pronoun is more similar to its antecedent than to the distractor:
/// features are standardised, then the loss is the cross-entropy of softmax(cos(Mp, Ma)/τ, cos(Mp, Md)/τ) towards the
/// antecedent (Sorodoc et al. 2020 style "probe-transformed similarity"). Trained full-batch with Adam.
/// </summary>
public sealed class SimilarityProbe : IDisposable
{
    private readonly Tensor _mean,
        _std,
        _map; // [d], [d], [d, k]

    /// <summary>Best dev accuracy.</summary>
    public double DevAccuracy { get; }

    private SimilarityProbe(Tensor mean, Tensor std, Tensor map, double dev)
    {
        _mean = mean;
        _std = std;
        _map = map;
        DevAccuracy = dev;
    }

    /// <summary>Trains on pronoun, antecedent and distractor vectors (each [n, d], row i = sentence i).</summary>
    /// <exception cref="InputException">Empty or mismatched inputs, or a rank below 1.</exception>
    public static SimilarityProbe Train(
        Tensor pronoun,
        Tensor antecedent,
        Tensor distractor,
        SimilarityProbeOptions? options = null
    )
    {
        var o = options ?? new SimilarityProbeOptions();
        long n = pronoun.shape[0],
            d = pronoun.shape[1];
        if (n == 0)
            throw new InputException("cannot train a similarity probe on no sentences");
        if (antecedent.shape[0] != n || distractor.shape[0] != n)
            throw new InputException("pronoun, antecedent and distractor rows differ in number");
        if (o.Rank < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"the probe rank must be at least 1, got {o.Rank}")
            );
        using var outer = NewDisposeScope();
        var all = cat(new[] { pronoun, antecedent, distractor });
        var mean = all.mean(new long[] { 0 });
        var std = all.std(0).ClampMin(1e-6);
        Tensor Z(Tensor x) => (x - mean) / std;
        var perm = Glassbox.Data.SeededSplit.Permutation((int)n, unchecked((int)o.Seed) ^ 0x1c0f);
        int nDev = n >= 20 ? (int)(n * o.DevFraction) : 0;
        var devIdx = tensor((nDev > 0 ? perm.Take(nDev) : perm).Select(i => (long)i).ToArray());
        var trIdx = tensor(perm.Skip(nDev).Select(i => (long)i).ToArray());
        var (p, a, q) = (Z(pronoun), Z(antecedent), Z(distractor));
        var (pTr, aTr, qTr) = (p.index_select(0, trIdx), a.index_select(0, trIdx), q.index_select(0, trIdx));
        var (pDev, aDev, qDev) = (p.index_select(0, devIdx), a.index_select(0, devIdx), q.index_select(0, devIdx));
        var g = new Generator((ulong)o.Seed);
        int k = (int)Math.Min(o.Rank, d);
        var map = new TorchSharp.Modules.Parameter(randn(d, k, generator: g).DivScalar(Math.Sqrt(d)), true);
        using var opt = new Glassbox.Training.AdamW(new[] { map }, weightDecay: 0); // = torch.optim.Adam
        var target = zeros(trIdx.shape[0], dtype: ScalarType.Int64);
        var best = map.detach().clone();
        double bestDev = Accuracy(pDev, aDev, qDev, map);
        int bad = 0;
        for (int step = 1; step <= o.Steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                opt.ZeroGrad();
                var loss = nn
                    .functional.cross_entropy(Logits(pTr, aTr, qTr, map).DivScalar(o.Temperature), target)
                    .Plus(map.Square().sum().MulScalar(o.L2));
                loss.backward();
                opt.Step(o.LearningRate);
            }
            if (step % 10 != 0)
                continue;
            double dev = Accuracy(pDev, aDev, qDev, map);
            if (dev > bestDev + 1e-9)
            {
                bestDev = dev;
                best = map.detach().clone();
                bad = 0;
            }
            else if (++bad >= o.Patience)
                break;
        }
        return new SimilarityProbe(
            mean.detach().clone().DetachFromDisposeScope(),
            std.detach().clone().DetachFromDisposeScope(),
            best.DetachFromDisposeScope(),
            bestDev
        );
    }

    /// <summary>Whether each sentence's pronoun is closer (cosine, after the map) to its antecedent than to the distractor.</summary>
    public bool[] Correct(Tensor pronoun, Tensor antecedent, Tensor distractor)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor Z(Tensor x) => (x - _mean) / _std;
        var l = Logits(Z(pronoun), Z(antecedent), Z(distractor), _map);
        return (l.select(1, 0) > l.select(1, 1)).data<bool>().ToArray();
    }

    /// <summary>Whether each pronoun row is closer (raw cosine) to its antecedent row than to its distractor row.</summary>
    public static bool[] RawCorrect(Tensor pronoun, Tensor antecedent, Tensor distractor)
    {
        using var scope = NewDisposeScope();
        var ca = nn.functional.cosine_similarity(pronoun, antecedent, 1);
        var cd = nn.functional.cosine_similarity(pronoun, distractor, 1);
        return (ca > cd).data<bool>().ToArray();
    }

    private static Tensor Logits(Tensor p, Tensor a, Tensor q, Tensor map) // [n, 2]: cos(Mp, Ma), cos(Mp, Md)
    {
        var (mp, ma, mq) = (matmul(p, map), matmul(a, map), matmul(q, map));
        return stack(
            new[] { nn.functional.cosine_similarity(mp, ma, 1), nn.functional.cosine_similarity(mp, mq, 1) },
            1
        );
    }

    private static double Accuracy(Tensor p, Tensor a, Tensor q, Tensor map)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var l = Logits(p, a, q, map);
        return (l.select(1, 0) > l.select(1, 1)).to(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        _mean.Dispose();
        _std.Dispose();
        _map.Dispose();
    }
}
